import { DataSourceUnavailableError, type OHLCV, type TickData } from "@qts/contracts";
import { type PrivatePostgres, startPrivatePostgres } from "@qts/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, DAY, makeBars, makeEntry, makeTicks, T0 } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";

// Fault test (issue 17 item 1): PostgreSQL stopped (`pg_ctl stop -m fast` / `-m immediate`) while an adapter call
// holds a pooled client. Before the fix, the client's 'error' event had no listener and killed the process
// (vitest reports such an uncaught error as a failed run). One private PostgreSQL for the whole file.
const APP = "fault";
let server: PrivatePostgres;
let adapter: TimescaleAdapter;
let bigTicks: TickData[];
let bigBars: OHLCV[];
let migrateRuns = 0;
let afterRuns = 0;
const outcomes: string[] = [];

beforeAll(async () => {
  server = await startPrivatePostgres();
  adapter = new TimescaleAdapter({
    dsn: server.url,
    schema: "qts_inflight",
    name: APP,
    pool: { minConnections: 2, maxConnections: 6, commandTimeoutMs: 10_000 },
    connectTimeoutMs: 2_000,
  });
  await adapter.migrate();
  // Enough rows that a COPY lasts well over the time it takes to notice it and stop the server.
  bigTicks = makeTicks("BIG", T0, 400_000, DAY);
  bigBars = makeBars("BIG", T0, 200_000);
}, 120_000);

afterAll(async () => {
  if (process.env.QTS_TEST_VERBOSE) console.info(`in-flight outcomes: ${outcomes.join(", ")}`);
  await adapter?.close();
  await server?.destroy();
});

/** A plain client for the test's own SQL; its errors (the server going away) are expected. */
async function sideClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.url });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const count = async (c: pg.Client, sql: string, values: unknown[] = []) =>
  Number((await c.query(sql, values)).rows[0].n);

/** The adapter's statement is waiting on a lock held by the test's blocker. */
const waitingOnLock = (watch: pg.Client) => () =>
  count(
    watch,
    "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
    [`qts-${APP}`],
  ).then((n) => n > 0);

/** A COPY FROM STDIN has rows in (it is mid-stream). */
const midCopy = (watch: pg.Client) => () =>
  count(watch, "SELECT count(*) AS n FROM pg_stat_progress_copy WHERE tuples_processed > 0").then(
    (n) => n > 0,
  );

interface FaultCase {
  name: string;
  /** Holds what makes the call wait on the server (a lock), or nothing for a long COPY. */
  block?: (blocker: pg.Client, schema: string) => Promise<void>;
  /** Which adapter the call uses: the shared one, or a fresh one for a fresh schema (migrate). */
  fresh?: boolean;
  call: (a: TimescaleAdapter) => Promise<unknown>;
  /** Bulk writes: rows of the call's kind stored now, and how many the call writes (all or nothing). */
  stored?: string;
  written?: () => number;
  /** After the restart: the same adapter works again (and what it wrote is there). */
  after: (a: TimescaleAdapter) => Promise<void>;
}

const S = `"qts_inflight"`;
const CASES: FaultCase[] = [
  {
    name: "updatePosition",
    block: async (b) => void (await b.query(`LOCK TABLE ${S}.positions IN ACCESS EXCLUSIVE MODE`)),
    call: (a) => a.updatePosition("POS", 7, 100),
    after: async (a) => {
      await a.updatePosition("POS", 8, 100);
      expect((await a.fetchPosition("POS"))?.qty.toFixed()).toBe("8");
    },
  },
  {
    name: "appendLedger",
    block: async (b) => void (await b.query(`LOCK TABLE ${S}.ledger IN ACCESS EXCLUSIVE MODE`)),
    call: (a) => a.appendLedger(makeEntry({ orderId: "during" })),
    after: async (a) => {
      await a.appendLedger(makeEntry({ orderId: "after" }));
      const ids = (await a.fetchLedger({ limit: 10_000 })).map((e) => e.orderId);
      expect(ids).toContain("after");
    },
  },
  {
    name: "fetchPositions",
    block: async (b) => void (await b.query(`LOCK TABLE ${S}.positions IN ACCESS EXCLUSIVE MODE`)),
    call: (a) => a.fetchPositions(),
    after: async (a) => void expect(Array.isArray(await a.fetchPositions())).toBe(true),
  },
  {
    name: "fetchLedger",
    block: async (b) => void (await b.query(`LOCK TABLE ${S}.ledger IN ACCESS EXCLUSIVE MODE`)),
    call: (a) => a.fetchLedger({ symbol: "AAPL" }),
    after: async (a) => void expect(Array.isArray(await a.fetchLedger({ symbol: "AAPL" }))).toBe(true),
  },
  {
    name: "appendTicks (COPY)",
    call: (a) => a.appendTicks(bigTicks),
    stored: `SELECT count(*) AS n FROM ${S}.ticks WHERE symbol = 'BIG'`,
    written: () => bigTicks.length,
    after: async (a) => {
      const symbol = `TCK${++afterRuns}`;
      expect(await a.appendTicks(makeTicks(symbol, T0, 1_500, DAY))).toBe(1_500); // >= copyThreshold: COPY
      expect(await a.fetchTickData(symbol, at(T0), at(T0 + DAY))).toHaveLength(1_500);
    },
  },
  {
    name: "appendOhlcv (COPY)",
    call: (a) => a.appendOhlcv(bigBars, "1m"),
    stored: `SELECT count(*) AS n FROM ${S}.bars WHERE symbol = 'BIG'`,
    written: () => bigBars.length,
    after: async (a) => {
      const symbol = `BAR${++afterRuns}`;
      expect(await a.appendOhlcv(makeBars(symbol, T0, 1_200), "1m")).toBe(1_200);
      expect(await a.fetchOhlcv(symbol, at(T0), at(T0 + DAY), "1m")).toHaveLength(1_200);
    },
  },
  {
    name: "migrate",
    fresh: true,
    // Another session creating the same schema, uncommitted: migrate waits inside its first transaction.
    block: async (b, schema) => void (await b.query(`CREATE SCHEMA "${schema}"`)),
    call: (a) => a.migrate(),
    after: async (a) => {
      const r = await a.migrate();
      expect(r.version).toBeGreaterThanOrEqual(2);
      await a.updatePosition("MIG", 1, 1);
      expect((await a.fetchPosition("MIG"))?.qty.toFixed()).toBe("1");
    },
  },
];

const MODES = ["fast", "immediate"] as const;
const MATRIX = MODES.flatMap((mode) => CASES.map((c) => ({ mode, ...c })));

describe("TimescaleAdapter: PostgreSQL stopped while a call is in flight (private PostgreSQL)", () => {
  it.each(MATRIX)(
    "$name under pg_ctl stop -m $mode: rejects as unavailable, the process survives, the adapter recovers",
    async (c) => {
      const schema = c.fresh ? `qts_inflight_mig${++migrateRuns}` : "qts_inflight";
      const target = c.fresh
        ? new TimescaleAdapter({
            dsn: server.url,
            schema,
            name: APP,
            pool: { minConnections: 1, maxConnections: 4 },
            connectTimeoutMs: 2_000,
          })
        : adapter;
      const watch = await sideClient();
      const blocker = await sideClient();
      try {
        if (c.block) {
          await blocker.query("BEGIN");
          await c.block(blocker, schema);
        }
        const before = c.stored ? await count(watch, c.stored) : 0;
        const started = Date.now();
        let settled = false;
        const outcome = c.call(target).then(
          () => "resolved" as const,
          (e: unknown) => e,
        );
        void outcome.then(() => {
          settled = true;
        });
        const inFlight = c.block ? waitingOnLock(watch) : midCopy(watch);
        // (a call that finished before it was seen in flight is stopped after the fact: allowed, see below)
        await until(`${c.name} is in flight`, async () => settled || (await inFlight()));
        await server.stop(c.mode);
        const result = await outcome;
        // Rejected as unavailable, or resolved when it finished first (the blocker's session ended first).
        if (result !== "resolved") expect(result).toBeInstanceOf(DataSourceUnavailableError);
        outcomes.push(result === "resolved" ? "resolved" : "rejected");
        expect(Date.now() - started).toBeLessThan(15_000);

        await server.start();
        await until("the pool reconnects", async () => (await target.healthCheck()).healthy);
        if (c.stored && c.written) {
          // the interrupted write left nothing behind; had it finished first, all of it is there
          const expected = before + (result === "resolved" ? c.written() : 0);
          const check = await sideClient();
          expect(await count(check, c.stored).finally(() => check.end())).toBe(expected);
        }
        await c.after(target);
      } finally {
        if (target !== adapter) await target.close();
        await watch.end().catch(() => undefined);
        await blocker.end().catch(() => undefined);
        if (!server.running) await server.start();
      }
    },
    60_000,
  );
});
