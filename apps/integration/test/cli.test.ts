import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReplaySummary } from "../src/replay/summary.js";
import { ensureBuilt, runQts } from "./helpers/cli.js";

beforeAll(() => ensureBuilt(), 120_000);

describe("qts (subprocess, no services)", () => {
  it("replay --json on embedded defaults: every fill in the ledger, store and cache agree", async () => {
    const r = await runQts(["replay", "--json", "--minutes", "10", "--seed", "3"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ReplaySummary;
    expect(s.ok).toBe(true);
    expect(s.stores.data).toMatch(/^memory/);
    expect(s.stores.namespace).toBe(`qts:replay:${s.runId}:`);
    expect(s.ingest.ticks).toBe(8 * 10 * 120);
    expect(s.ingest.bars).toBe(8 * 10);
    expect(s.ingest.rowsPerSec).toBeGreaterThan(0);
    expect(s.prices.pushed).toBe(s.ingest.ticks);
    expect(s.fills.applied).toBeGreaterThan(0);
    expect(s.fills.rejected).toBe(0);
    expect(s.check.noFillLost).toBe(true);
    expect(s.check.ledgerEntries).toBe(s.fills.applied);
    expect(s.check.mismatches).toEqual([]);
    expect(s.reads.getPosition.count).toBeGreaterThan(0);
    expect(s.reads.getPosition.failed).toBe(0);
    expect(s.reads.getPosition.p99Ms).toBeGreaterThanOrEqual(s.reads.getPosition.p50Ms!);
    expect(s.cache.position!.hitCount + s.cache.position!.missCount).toBeGreaterThan(0);
    expect(s.circuit.state).toBe("CLOSED");
    expect(s.events.counts.METRIC_RECORD).toBeGreaterThanOrEqual(1);
    expect(s.positions).toHaveLength(8);
    expect(s.positions.reduce((a, p) => a + p.ledgerFills, 0)).toBe(s.fills.applied);
  });

  it("is reproducible: the same seed ends with the same positions", async () => {
    const args = ["replay", "--json", "--minutes", "3", "--symbols", "AAA,BBB", "--seed", "99", "--quiet"];
    const [a, b] = await Promise.all([runQts(args), runQts(args)]);
    const pa = (JSON.parse(a.stdout) as ReplaySummary).positions;
    const pb = (JSON.parse(b.stdout) as ReplaySummary).positions;
    expect(pa.map((p) => p.symbol)).toEqual(["AAA", "BBB"]);
    expect(pb).toEqual(pa);
  });

  it("prints the human summary with the no-fill-lost verdict", async () => {
    const r = await runQts(["replay", "--minutes", "2", "--symbols", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows\/s/);
    expect(r.stdout).toMatch(/getPosition .* p50 .* p99/);
    expect(r.stdout).toMatch(/no fill lost, no fill twice: OK/);
  });

  it("replay --ticks file.csv replays the file's ticks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qts-cli-"));
    try {
      const rows = ["symbol,time,price,volume,bid,ask"];
      for (let i = 0; i < 300; i++)
        rows.push(
          `${i % 2 ? "BTC-USD" : "ETH-USD"},${1704205800000 + i * 400},${100 + (i % 9)},${1 + (i % 5)},,`,
        );
      const file = join(dir, "ticks.csv");
      writeFileSync(file, `${rows.join("\n")}\n`);
      const r = await runQts(["replay", "--json", "--ticks", file, "--fill-rate", "0.3"]);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as ReplaySummary;
      expect(s.session.origin).toBe(`csv ${file}`);
      expect(s.ingest.ticks).toBe(300);
      expect(s.ingest.bars).toBe(2 * 2); // 120 s of data: 2 minutes x 2 symbols
      expect(s.positions.map((p) => p.symbol)).toEqual(["BTC-USD", "ETH-USD"]);
      expect(s.fills.applied).toBeGreaterThan(40);
      expect(s.check.noFillLost).toBe(true);
      const bad = await runQts(["replay", "--ticks", join(dir, "missing.csv")]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/ticks file .*missing\.csv: no such file — check the path given to --ticks/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad flags: one line on stderr, exit 2, no stack trace", async () => {
    for (const args of [
      ["replay", "--minutes", "zero"],
      ["replay", "--bogus"],
      ["frobnicate"],
      ["replay", "--mode", "DB_ONLY"],
    ]) {
      const r = await runQts(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^qts/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("connection errors name the URL with the password redacted, one line, exit 1", async () => {
    const r = await runQts(["replay", "--redis", "redis://user:s3cret@127.0.0.1:1/0", "--minutes", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("redis://user:***@127.0.0.1:1/0");
    expect(r.stderr).not.toContain("s3cret");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const v = await runQts(["health", "--db", "postgres://app:hunter2@127.0.0.1:1/x", "--verbose"]);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).not.toContain("hunter2");
  });

  it("--help lists every verb; per-verb help", async () => {
    const r = await runQts(["--help"]);
    expect(r.code).toBe(0);
    for (const verb of ["replay", "health", "migrate", "sync", "bench"]) expect(r.stdout).toContain(verb);
    const h = await runQts(["replay", "--help"]);
    expect(h.stdout).toContain("--ticks-per-minute");
    expect(h.stdout).toContain("--chaos redis");
  });

  it("bench dispatches to the benchmark runner (--list only, nothing measured)", async () => {
    const r = await runQts(["bench", "--list"]);
    expect(r.stderr).not.toMatch(/benchmarks not (found|usable)/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
  });

  it("health with nothing configured reports the embedded stores healthy", async () => {
    const r = await runQts(["health", "--json"]);
    expect(r.code).toBe(0);
    const h = JSON.parse(r.stdout) as { ok: boolean; checks: { component: string; healthy: boolean }[] };
    expect(h.ok).toBe(true);
    expect(h.checks.map((c) => c.component)).toEqual(["data", "cache"]);
  });
});
