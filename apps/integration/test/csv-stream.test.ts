import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { csvSession, TicksFileError } from "../src/session/csv.js";

const dir = mkdtempSync(join(tmpdir(), "qts-csv-stream-"));
setFlagsFromString("--expose_gc");
/** A full garbage collection (V8's gc, reached without a command-line flag). */
const gc = runInNewContext("gc") as () => void;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): TicksFileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TicksFileError);
    return e as TicksFileError;
  }
  throw new Error("expected a TicksFileError");
}

describe("ticks CSV, streamed", () => {
  it("a 400,000-line file is read minute by minute: the heap holds a minute, not the file", () => {
    const path = join(dir, "big.csv");
    const t0 = Date.UTC(2024, 0, 2, 14, 30);
    // Written in chunks, so building the file leaves no garbage to flatter the heap baseline.
    const fd = openSync(path, "w");
    writeSync(fd, "time,symbol,price,volume\n");
    for (let i = 0; i < 400_000; ) {
      let chunk = "";
      for (const end = i + 10_000; i < end; i++)
        chunk += `${t0 + i * 10},S${i % 4},${100 + (i % 97) / 100},${1 + (i % 50)}\n`;
      writeSync(fd, chunk);
    }
    closeSync(fd);
    // What the heap *retains* (after a full GC at each minute): young garbage not yet collected depends on the
    // machine's load (it reached 127 MB once under the full suite) and says nothing about what is held.
    gc();
    const before = process.memoryUsage().heapUsed;
    const session = csvSession(path, 1, 0, "C");
    expect(session.tickCount).toBe(400_000);
    expect(session.symbols).toEqual(["S0", "S1", "S2", "S3"]);
    let ticks = 0;
    let peak = 0;
    let batches = 0;
    for (const b of session.batches()) {
      ticks += b.ticks.length;
      batches++;
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(ticks).toBe(400_000);
    expect(batches).toBe(session.minutes);
    // 400k parsed ticks held at once take ~210 MB; a streamed minute (6,000 ticks) retains a few MB.
    console.log(
      `csv stream: peak retained heap growth ${(peak / 2 ** 20).toFixed(1)} MB over ${batches} minutes`,
    );
    expect(peak).toBeLessThan(40 * 1024 * 1024);
  }, 120_000);

  it("names line and column of a bad value, an extra field, a repeated header column, and time going back", () => {
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const bad = errorOf(() =>
      csvSession(
        write(
          "bad.csv",
          "time,symbol,price,volume\n2024-01-02T14:30:00Z,AAPL,1,1\n2024-01-02T14:30:01Z,AAPL,abc,1\n",
        ),
        1,
        0,
        "C",
      ),
    );
    expect(bad.line).toBe(3);
    expect(bad.column).toBe("price");
    expect(bad.message).toMatch(/bad\.csv:3: column "price": /);

    const extra = errorOf(() =>
      csvSession(
        write("extra.csv", "time,symbol,price,volume\n2024-01-02T14:30:00Z,AAPL,1,1,oops\n"),
        1,
        0,
        "C",
      ),
    );
    expect(extra.line).toBe(2);
    expect(extra.message).toContain("has 5 field(s), the header 4");

    const dup = errorOf(() => csvSession(write("dup.csv", "time,symbol,price,volume,price\n"), 1, 0, "C"));
    expect(dup.line).toBe(1);
    expect(dup.message).toContain('column "price" appears twice');

    const back = errorOf(() =>
      csvSession(
        write(
          "back.csv",
          "time,symbol,price,volume\n2024-01-02T14:31:00Z,AAPL,1,1\n2024-01-02T14:30:00Z,AAPL,1,1\n",
        ),
        1,
        0,
        "C",
      ),
    );
    expect(back.line).toBe(3);
    expect(back.column).toBe("time");

    const missing = errorOf(() => csvSession(join(dir, "nope.csv"), 1, 0, "C"));
    expect(missing.message).toContain("no such file");
    const empty = errorOf(() => csvSession(write("empty.csv", ""), 1, 0, "C"));
    expect(empty.message).toContain("header lacks time, symbol, price, volume");
  });
});
