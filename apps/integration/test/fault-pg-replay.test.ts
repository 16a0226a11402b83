import { type PrivatePostgres, startPrivatePostgres } from "@qts/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runQts } from "./helpers/cli.js";
import { service } from "./helpers/services.js";

// Issue 17 item 1, end to end: `qts replay --db` with its PostgreSQL restarted mid-ingest (mid-COPY). Before the
// fix the CLI died with `Unhandled 'error' event ... 57P01` or "unexpected error".
let server: PrivatePostgres | null = null;

beforeAll(async () => {
  ensureBuilt();
  server = await service(() => startPrivatePostgres());
}, 120_000);

afterAll(async () => {
  await server?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sideClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => undefined); // the restart ends this session too
  await c.connect();
  return c;
}

/** Waits until a COPY of the replay has rows in (mid-stream). */
async function untilMidCopy(c: pg.Client, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await c.query(
      "SELECT count(*)::int AS n FROM pg_stat_progress_copy WHERE tuples_processed > 0",
    );
    if (r.rows[0].n > 0) return true;
    await sleep(3);
  }
  return false;
}

describe("qts replay --db with PostgreSQL restarted mid-ingest (private PostgreSQL)", () => {
  it.each(["fast", "immediate"] as const)(
    "pg_ctl stop -m %s at ~1.5 s into ingest, then start: a clear summary or one-line error, never a crash",
    async (mode) => {
      if (server === null) return;
      const pgServer = server;
      const schema = `qts_replay_${mode}`;
      // 4,800 ticks per minute batch (COPY, above the 1,000-row threshold); few fills, so ingest dominates.
      const run = runQts(
        [
          "replay",
          "--db",
          pgServer.url,
          "--schema",
          schema,
          "--minutes",
          "120",
          "--ticks-per-minute",
          "600",
          "--fill-rate",
          "0.002",
          "--readers",
          "1",
        ],
        {},
        120_000,
      );
      const watch = await sideClient(pgServer.url);
      let restartedAt = -1;
      try {
        // ingest has started (the schema's first ticks are there), ~1.5 s later a COPY is in flight
        const t0 = Date.now();
        for (;;) {
          const r = await watch.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'qts-%' AND query LIKE 'COPY%'",
          );
          if (r.rows[0].n > 0 || Date.now() - t0 > 60_000) break;
          await sleep(20);
        }
        const ingestStart = Date.now();
        await sleep(1_500);
        expect(await untilMidCopy(watch, 20_000)).toBe(true);
        restartedAt = Date.now() - ingestStart;
        await pgServer.stop(mode);
        await pgServer.start();
      } finally {
        await watch.end().catch(() => undefined);
      }
      const { code, stdout, stderr } = await run;
      const diagnostic = `exit ${code}, restart at ${restartedAt} ms into ingest\n--- stderr ---\n${stderr.slice(-3000)}\n--- stdout ---\n${stdout.slice(-1500)}`;
      expect(stderr, diagnostic).not.toMatch(/Unhandled 'error' event|unexpected error|Uncaught|\n\s+at /);
      expect([0, 1], diagnostic).toContain(code);
      if (process.env.QTS_TEST_VERBOSE) console.info(`replay under -m ${mode}: ${diagnostic.slice(0, 600)}`);
      const errorLines = stderr
        .split("\n")
        .map((l) => l.replace(/.*\r/, "").trim())
        .filter((l) => l.startsWith("qts replay:"));
      if (stdout.includes("no fill lost")) {
        // It rode through the restart and printed its summary (the checks decide the exit code).
        expect(stdout, diagnostic).toMatch(/^ingest\s/m);
      } else {
        // It stopped with one clear line naming the unreachable store.
        expect(code, diagnostic).toBe(1);
        expect(errorLines, diagnostic).toHaveLength(1);
        expect(errorLines[0], diagnostic).toMatch(
          /^qts replay: data store .*unreachable: .* — check that it is running/,
        );
      }
      // the store is usable afterwards: what was committed is readable
      const after = await sideClient(pgServer.url);
      try {
        const r = await after.query(`SELECT count(*)::int AS n FROM "${schema}".ticks`);
        expect(r.rows[0].n).toBeGreaterThan(0);
      } finally {
        await after.end();
      }
    },
    180_000,
  );
});
