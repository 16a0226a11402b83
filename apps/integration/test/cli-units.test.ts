import { CacheUnavailableError, ConfigError, DataSourceUnavailableError } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { CliError, formatError, formatVerbose, redactText, UsageError } from "../src/cli/errors.js";
import { Progress } from "../src/cli/progress.js";

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (t: string) => out.push(t) } };
}

describe("Progress", () => {
  it("draws nothing for work shorter than the delay", () => {
    let now = 0;
    const s = sink(true);
    const p = new Progress({ stream: s.stream, now: () => now });
    p.start("replay", 100, "ticks");
    now = 900;
    p.update(90);
    p.finish();
    expect(s.out).toEqual([]);
  });

  it("redraws one line on a TTY at most every 100 ms and clears it at the end", () => {
    let now = 0;
    const s = sink(true);
    const p = new Progress({ stream: s.stream, now: () => now });
    p.start("replay", 100, "ticks");
    now = 1500;
    p.update(50);
    now = 1550;
    p.update(60); // too soon
    now = 1700;
    p.update(70);
    p.finish();
    expect(s.out).toHaveLength(3);
    expect(s.out[0]).toMatch(/^\rreplay \[#{14}-{14}\] {2}50% 50\/100 ticks/);
    expect(s.out[1]).toMatch(/ 70% /);
    expect(s.out[2]).toBe("\r\u001b[K");
  });

  it("prints plain lines every few seconds on a non-TTY", () => {
    let now = 0;
    const s = sink(false);
    const p = new Progress({ stream: s.stream, now: () => now, plainEveryMs: 5000 });
    p.start("sync ledger", 10);
    for (now = 1000; now <= 12_000; now += 500) p.update(Math.floor(now / 1200));
    p.finish();
    expect(s.out.length).toBe(2);
    expect(s.out.every((l) => l.endsWith("\n") && !l.includes("\r"))).toBe(true);
  });
});

describe("formatError", () => {
  it("is one line with what, why and what to do, passwords redacted", () => {
    const err = new CliError(
      "cannot connect to Redis at redis://u:pw@h:1/0",
      "connect failed\n  ECONNREFUSED",
      "start it",
      { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) },
    );
    const line = formatError(err, "replay");
    expect(line).not.toContain("\n");
    expect(line).toMatch(/^qts replay: cannot connect to Redis at redis:\/\/u:\*\*\*@h:1\/0: .* — start it$/);
    expect(line).not.toContain("pw@");
  });

  it("names the verb's help for usage errors and lists every config problem", () => {
    expect(formatError(new UsageError("--minutes must be an integer", "replay"), "replay")).toBe(
      "qts replay: --minutes must be an integer — run `qts replay --help` for usage",
    );
    const cfg = new ConfigError([
      { variable: "QTS_DB_POOL_MAX", value: "x", reason: "must be an integer" },
      { variable: "QTS_DATA_MODE", value: "NOPE", reason: "must be SHEETS_ONLY, HYBRID or DB_ONLY" },
    ]);
    const line = formatError(cfg, "health");
    expect(line).toContain("QTS_DB_POOL_MAX=x must be an integer; QTS_DATA_MODE=NOPE");
    expect(line).not.toContain("\n");
  });

  it("maps store and cache errors to a hint", () => {
    expect(
      formatError(new DataSourceUnavailableError("timeout", { source: "timescale" }), "migrate"),
    ).toMatch(/data store timescale unreachable: timeout — check that it is running and --db/);
    const sheets = formatError(new DataSourceUnavailableError("quota", { source: "sheets" }), "replay");
    expect(sheets).toMatch(/check that it is running and the spreadsheet settings \(--sheets-id/);
    expect(sheets).not.toContain("--db");
    expect(formatError(new CacheUnavailableError("circuit open"), "replay")).toMatch(
      /--redis \/ QTS_REDIS_URL$/,
    );
  });

  it("verbose output keeps the stacks but redacts them", () => {
    const text = formatVerbose(
      new Error("bad postgres://a:secret@h/db", { cause: new Error("inner password=hunter2") }),
    );
    expect(text).toContain("caused by:");
    expect(text).not.toMatch(/secret|hunter2/);
    expect(redactText("password='x y' and rediss://:p@h")).toBe("password=*** and rediss://:***@h");
  });
});
