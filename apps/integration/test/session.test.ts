import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decimal } from "@qts/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { csvSession, parseTicksCsv, TicksFileError } from "../src/session/csv.js";
import { Prng } from "../src/session/prng.js";
import { symbolNames, syntheticSession } from "../src/session/synthetic.js";
import type { MinuteBatch } from "../src/session/types.js";

const base = {
  seed: 7,
  symbols: symbolNames(3),
  minutes: 4,
  ticksPerMinute: 50,
  fillRate: 0.1,
  start: new Date("2024-01-02T14:30:00Z"),
  orderPrefix: "T",
};

function flatten(batches: Iterable<MinuteBatch>) {
  const out: string[] = [];
  for (const b of batches) {
    for (const t of b.ticks)
      out.push(
        `${t.time.toISOString()} ${t.symbol} ${t.price.toFixed()} ${t.volume} ${t.bid?.toFixed()} ${t.ask?.toFixed()}`,
      );
    for (const f of b.fills)
      out.push(
        `F ${f.time.toISOString()} ${f.symbol} ${f.side} ${f.qty.toFixed()} ${f.price.toFixed()} ${f.orderId}`,
      );
  }
  return out;
}

describe("Prng", () => {
  it("is reproducible per seed and differs between seeds", () => {
    const a = new Prng(1);
    const b = new Prng(1);
    const c = new Prng(2);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe("syntheticSession", () => {
  it("gives identical data for the same options and different data for another seed", () => {
    const one = flatten(syntheticSession(base).batches());
    expect(flatten(syntheticSession(base).batches())).toEqual(one);
    expect(flatten(syntheticSession({ ...base, seed: 8 }).batches())).not.toEqual(one);
  });

  it("makes ticksPerMinute ticks per symbol per minute, ascending, with bars matching the ticks", () => {
    const s = syntheticSession(base);
    expect(s.tickCount).toBe(3 * 4 * 50);
    let n = 0;
    for (const b of s.batches()) {
      n += b.ticks.length;
      const times = b.ticks.map((t) => t.time.getTime());
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(times.every((t) => t >= b.minuteStart.getTime() && t < b.minuteStart.getTime() + 60_000)).toBe(
        true,
      );
      expect(b.bars).toHaveLength(3);
      for (const bar of b.bars) {
        const mine = b.ticks.filter((t) => t.symbol === bar.symbol);
        expect(bar.open.eq(mine[0]!.price)).toBe(true);
        expect(bar.close.eq(mine[mine.length - 1]!.price)).toBe(true);
        expect(bar.volume).toBe(mine.reduce((a, t) => a + t.volume, 0));
        expect(mine.every((t) => t.price.lte(bar.high) && t.price.gte(bar.low))).toBe(true);
      }
    }
    expect(n).toBe(s.tickCount);
  });

  it("draws fills at about the fill rate with strictly increasing times per symbol", () => {
    const fills = [...syntheticSession({ ...base, minutes: 20 }).batches()].flatMap((b) => b.fills);
    const ticks = 3 * 20 * 50;
    expect(fills.length).toBeGreaterThan(ticks * 0.05);
    expect(fills.length).toBeLessThan(ticks * 0.15);
    const last = new Map<string, number>();
    for (const f of fills) {
      expect(f.qty.gt(0)).toBe(true);
      expect(f.time.getTime()).toBeGreaterThan(last.get(f.symbol) ?? -1);
      last.set(f.symbol, f.time.getTime());
    }
    expect(new Set(fills.map((f) => f.orderId)).size).toBe(fills.length);
  });
});

describe("ticks CSV", () => {
  const dir = mkdtempSync(join(tmpdir(), "qts-csv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("parses the documented header with optional columns, ISO and epoch-ms times", () => {
    const ticks = parseTicksCsv(
      "time,symbol,price,volume,bid,ask,source\n2024-01-02T14:30:00.500Z,AAPL,187.5,100,187.49,187.51,x\n1704205860000,MSFT,0.000000000001,5,,,\n",
    );
    expect(ticks).toHaveLength(2);
    expect(ticks[0]!.bid?.toFixed()).toBe("187.49");
    expect(ticks[1]!.time.toISOString()).toBe("2024-01-02T14:31:00.000Z");
    expect(ticks[1]!.price.eq(new Decimal("1e-12"))).toBe(true);
    expect(ticks[1]!.bid).toBeNull();
  });

  it("names the line of a bad row and a bad header", () => {
    expect(() => parseTicksCsv("time,symbol,price\n")).toThrow(/header lacks volume/);
    const err = (() => {
      try {
        parseTicksCsv("time,symbol,price,volume\n2024-01-02T14:30:00Z,AAPL,-1,1\n", "f.csv");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TicksFileError);
    expect((err as TicksFileError).line).toBe(2);
    expect((err as Error).message).toMatch(/^f\.csv:2: .*price/);
  });

  it("groups a file into minutes with bars and seeded fills", () => {
    const path = join(dir, "t.csv");
    const rows = ["time,symbol,price,volume"];
    for (let i = 0; i < 120; i++) rows.push(`${1704205800000 + i * 1000},AAA,${100 + (i % 7)},${1 + i}`);
    writeFileSync(path, rows.join("\n"));
    const s = csvSession(path, 1, 0.5, "C");
    const batches = [...s.batches()];
    expect(s.minutes).toBe(2);
    expect(batches.map((b) => b.ticks.length)).toEqual([60, 60]);
    expect(batches.every((b) => b.bars.length === 1)).toBe(true);
    expect(batches.flatMap((b) => b.fills).length).toBeGreaterThan(20);
  });
});
