import { beforeAll, describe, expect, it } from "vitest";
import type { ReplaySummary } from "../src/replay/summary.js";
import { ensureBuilt, runQts } from "./helpers/cli.js";

beforeAll(() => ensureBuilt(), 120_000);

describe("qts replay --chaos postgres", () => {
  it("crashes a private PostgreSQL twice mid-run: no fill lost, no fill twice, a clear summary", async () => {
    const r = await runQts(
      ["replay", "--chaos", "postgres", "--json", "--quiet", "--minutes", "10", "--fill-rate", "0.2"],
      {},
      120_000,
    );
    expect(r.stderr).not.toContain("Unhandled");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ReplaySummary;
    expect(s.stores.data).toMatch(/\(private, chaos\)$/);
    expect(s.chaos?.store).toBe("postgres");
    expect(s.chaos?.timeline.map((t) => t.action)).toEqual([
      "postgresql stopped -m immediate (crashed)",
      "postgresql restarted (crash recovery)",
      "postgresql stopped -m immediate (crashed)",
      "postgresql restarted (crash recovery)",
    ]);
    expect(s.check.noFillLost).toBe(true);
    expect(s.check.noFillTwice).toBe(true);
    expect(s.check.duplicateFillIds).toBe(0);
    expect(s.check.ledgerEntries).toBe(s.fills.applied);
    expect(s.fills.rejected).toBe(0);
    // The crashes hit writes in flight: they were retried (fills with their id, ticks and bars in batches).
    expect(s.fills.retries + s.ingest.retries).toBeGreaterThan(0);
  }, 150_000);

  it("refuses --db with --chaos postgres (exit 2)", async () => {
    const r = await runQts(["replay", "--chaos", "postgres", "--db", "postgres://h/db"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--chaos postgres starts its own PostgreSQL: drop --db");
  });
});
