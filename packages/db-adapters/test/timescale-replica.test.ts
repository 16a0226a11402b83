import { ConfigError } from "@qts/contracts";
import { type PrivatePostgres, startPrivatePostgres } from "@qts/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, DAY, makeBars, makeEntry, makeTicks, T0 } from "../src/testing/index.js";
import { TimescaleAdapter, type TimescaleAdapterOptions } from "../src/timescale/index.js";

// Issue 14 (read replicas): a real streaming replica (`pg_basebackup -R -X stream`) of a private primary.
let primary: PrivatePostgres;
let replica: PrivatePostgres;
const open: TimescaleAdapter[] = [];
let schemas = 0;

beforeAll(async () => {
  primary = await startPrivatePostgres();
  replica = await startPrivatePostgres({ replicaOf: primary });
}, 120_000);

afterAll(async () => {
  for (const a of open) await a.close();
  await replica?.destroy();
  await primary?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

/** A migrated adapter on a fresh schema of the primary, reading history from the replica. */
async function make(options: Partial<TimescaleAdapterOptions> = {}): Promise<TimescaleAdapter> {
  const a = new TimescaleAdapter({
    dsn: primary.url,
    readDsn: replica.url,
    schema: `qts_repl${++schemas}`,
    pool: { minConnections: 1, maxConnections: 4 },
    replicaCheckIntervalMs: 50,
    ...options,
  });
  open.push(a);
  await a.migrate();
  // the schema has reached the replica
  await until("the schema is replicated", async () => {
    const r = await sql<{ n: number }>(
      replica.url,
      "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1",
      [a.schema],
    );
    return r[0]!.n === 1;
  });
  return a;
}

const details = async (a: TimescaleAdapter) => (await a.healthCheck()).details ?? {};
const usable = async (a: TimescaleAdapter) => (await details(a)).replica0Usable === true;
const reads = async (a: TimescaleAdapter) => Number((await details(a)).replica0Reads);
const replicated = (a: TimescaleAdapter, orderId: string) => async () =>
  (
    await sql<{ n: number }>(
      replica.url,
      `SELECT count(*)::int AS n FROM "${a.schema}".ledger WHERE order_id = $1`,
      [orderId],
    )
  )[0]!.n === 1;

describe("TimescaleAdapter with a streaming read replica", () => {
  it("the testkit replica is a real standby", async () => {
    const r = await sql<{ standby: boolean }>(replica.url, "SELECT pg_is_in_recovery() AS standby");
    expect(r[0]!.standby).toBe(true);
    const p = await sql<{ n: number }>(primary.url, "SELECT count(*)::int AS n FROM pg_stat_replication");
    expect(p[0]!.n).toBe(1);
  });

  it("history reads are served by the replica (a paused replica answers without the newest row); positions and writes by the primary", async () => {
    const a = await make({ maxReplicaLagMs: 120_000 });
    await a.appendLedger(makeEntry({ orderId: "old", timestamp: T0 }));
    await a.appendTicks(makeTicks("AAPL", T0, 10, 60_000));
    await a.appendOhlcv(makeBars("AAPL", T0, 30), "1m");
    await until("the first rows are replicated", replicated(a, "old"));
    await sql(replica.url, "SELECT pg_wal_replay_pause()");
    try {
      await a.appendLedger(makeEntry({ orderId: "new", timestamp: T0 + 1 }));
      await a.appendTicks(makeTicks("AAPL", T0, 5, 60_000, 99));
      await a.updatePosition("AAPL", 3, 10);
      await until("the replica is in use", () => usable(a));
      const before = await reads(a);
      // the replica has not replayed "new": what the adapter returns proves where it read
      const ledger = await a.fetchLedger({ limit: 100 });
      expect(ledger.map((e) => e.orderId)).toEqual(["old"]);
      expect(await a.fetchTickData("AAPL", at(T0), at(T0 + DAY))).toHaveLength(10);
      expect(await a.fetchOhlcv("AAPL", at(T0), at(T0 + DAY), "1m")).toHaveLength(30);
      expect(await a.fetchOhlcv("AAPL", at(T0), at(T0 + DAY), "5m")).toHaveLength(6);
      expect(await reads(a)).toBeGreaterThanOrEqual(before + 4);
      // positions always come from the primary
      expect((await a.fetchPosition("AAPL"))?.qty.toFixed()).toBe("3");
      expect(await a.fetchPositions()).toHaveLength(1);
      const h = await details(a);
      expect(h.replicas).toBe(1);
      expect(String(h.replica0)).toContain(`127.0.0.1:${replica.port}`);
      expect(Number(h.replica0LagMs)).toBeGreaterThanOrEqual(0);
    } finally {
      await sql(replica.url, "SELECT pg_wal_replay_resume()");
    }
    await until("the replica catches up", replicated(a, "new"));
    expect((await a.fetchLedger({ limit: 100 })).map((e) => e.orderId).sort()).toEqual(["new", "old"]);
  }, 60_000);

  it("a replica paused beyond maxReplicaLagMs is skipped (the primary answers, up to date); resumed, it is used again", async () => {
    const a = await make({ maxReplicaLagMs: 300 });
    await a.appendLedger(makeEntry({ orderId: "a1" }));
    await until("replicated", replicated(a, "a1"));
    await until("the replica is in use", () => usable(a));
    await sql(replica.url, "SELECT pg_wal_replay_pause()");
    try {
      await a.appendLedger(makeEntry({ orderId: "a2" }));
      await until("the lag is over the limit", async () => {
        const d = await details(a);
        return d.replica0Usable === false && /lag \d+ ms > 300 ms/.test(String(d.replica0Error));
      });
      const before = await reads(a);
      // read-your-writes through the primary while the replica lags
      expect((await a.fetchLedger()).map((e) => e.orderId).sort()).toEqual(["a1", "a2"]);
      expect(await reads(a)).toBe(before);
    } finally {
      await sql(replica.url, "SELECT pg_wal_replay_resume()");
    }
    await until("the replica is used again", () => usable(a));
    const before = await reads(a);
    expect((await a.fetchLedger()).map((e) => e.orderId).sort()).toEqual(["a1", "a2"]);
    expect(await reads(a)).toBe(before + 1);
  }, 60_000);

  it("replica stopped and started while reads run: no read fails, the primary answers, then the replica again", async () => {
    const a = await make({ maxReplicaLagMs: 5_000 });
    await a.appendLedger(makeEntry({ orderId: "s1" }));
    await a.appendTicks(makeTicks("MSFT", T0, 20, 60_000));
    await until("replicated", replicated(a, "s1"));
    await until("the replica is in use", () => usable(a));
    const failures: unknown[] = [];
    let served = 0;
    let running = true;
    const readers = Array.from({ length: 3 }, async () => {
      while (running) {
        try {
          expect(await a.fetchLedger()).toHaveLength(1);
          expect(await a.fetchTickData("MSFT", at(T0), at(T0 + DAY))).toHaveLength(20);
          served += 1;
        } catch (error) {
          failures.push(error);
        }
        await sleep(2);
      }
    });
    try {
      await sleep(200);
      await replica.stop("immediate");
      const whileDown = served;
      await until("reads continue on the primary", async () => served > whileDown + 20);
      expect((await details(a)).replica0Usable).toBe(false);
      await replica.start();
      await until("the replica is used again", () => usable(a), 30_000);
      const r0 = await reads(a);
      await until("reads served by the replica again", async () => (await reads(a)) > r0 + 5);
    } finally {
      running = false;
      await Promise.all(readers);
      if (!replica.running) await replica.start();
    }
    expect(failures.map(String)).toEqual([]);
  }, 90_000);

  it("bad replica options are a ConfigError", () => {
    expect(() => new TimescaleAdapter({ dsn: primary.url, readDsn: [""] })).toThrow(ConfigError);
    expect(
      () => new TimescaleAdapter({ dsn: primary.url, readDsn: replica.url, maxReplicaLagMs: -1 }),
    ).toThrow(ConfigError);
  });
});
