import {
  ConfigError,
  DataSourceError,
  DataSourceUnavailableError,
  ManualClock,
  ohlcv,
  ValidationError,
} from "@qts/contracts";
import { getFreePort } from "@qts/testkit";
import pg from "pg";
import { afterAll, afterEach, expect, it, vi } from "vitest";
import { at, DAY, HOUR, MINUTE, makeBars, makeTicks, T0 } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { describePg, migratedAdapter, pgUrlOrNull, type SchemaAdapter } from "./timescale-helpers.js";

const url = await pgUrlOrNull();
const open: SchemaAdapter[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of open.splice(0)) {
    await s.adapter.close();
    await s.drop();
  }
});
afterAll(() => vi.restoreAllMocks());

async function make(options: Parameters<typeof migratedAdapter>[2] = {}): Promise<SchemaAdapter> {
  const s = await migratedAdapter(url!, "qts_ts", options);
  open.push(s);
  return s;
}

async function activity(appName: string): Promise<number> {
  const c = new pg.Client({ connectionString: url! });
  await c.connect();
  try {
    const r = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1", [
      appName,
    ]);
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

describePg(url, "TimescaleAdapter on PostgreSQL", () => {
  it("uses the pool defaults min 5 / max 20 / 5 s commands, and opens the minimum on migrate()", async () => {
    const name = `pooltest${Date.now() % 100000}`;
    const { adapter } = await make({ pool: {}, name });
    expect(adapter.poolConfig).toEqual({
      minConnections: 5,
      maxConnections: 20,
      commandTimeoutMs: 5000,
      statementCacheSize: 100,
    });
    expect(await activity(`qts-${name}`)).toBeGreaterThanOrEqual(5);
    const h = await adapter.healthCheck();
    expect(h.healthy).toBe(true);
    expect(h.details?.storage).toBe("plain");
    expect(h.details?.poolTotal).toBeGreaterThanOrEqual(5);
  });

  it("a statement over commandTimeoutMs is cancelled and surfaces as DataSourceUnavailableError", async () => {
    const { adapter } = await make({ pool: { commandTimeoutMs: 300, minConnections: 0 } });
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    try {
      // hold a row lock so the adapter's upsert waits past its statement_timeout
      await c.query("BEGIN");
      await c.query(
        `INSERT INTO "${adapter.schema}".positions (symbol, qty, avg_price) VALUES ('LOCK', 1, 1)`,
      );
      const started = Date.now();
      const error = await adapter.updatePosition("LOCK", 2, 2).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataSourceUnavailableError);
      expect(String((error as Error).message)).toMatch(/57014|timeout/i);
      expect(Date.now() - started).toBeLessThan(5_000);
      await c.query("ROLLBACK");
    } finally {
      await c.end();
    }
    // the pool is fine afterwards
    expect(await adapter.updatePosition("LOCK", 3, 3)).toBe(true);
  });

  it("NUMERIC is read as strings into Decimal with a per-pool parser; the global pg.types is untouched", async () => {
    const before = pg.types.getTypeParser(20, "text");
    const { adapter } = await make();
    await adapter.updatePosition("BIG", "12345678901234567890.123456789", "0.000000000001");
    const p = (await adapter.fetchPosition("BIG"))!;
    expect(p.qty.toFixed()).toBe("12345678901234567890.123456789");
    expect(p.avgPrice.toFixed()).toBe("0.000000000001");
    expect(pg.types.getTypeParser(20, "text")).toBe(before);
    expect(pg.types.getTypeParser(20, "text")("9007199254740993")).toBe("9007199254740993");
    await adapter.appendLedger({
      timestamp: at(T0),
      symbol: "BIG",
      side: "BUY",
      qty: p.qty,
      price: p.avgPrice,
      amount: p.qty,
      fee: p.avgPrice,
      strategyTag: "",
      orderId: "",
      broker: "",
      id: null,
      fillId: null,
    });
    const [e] = await adapter.fetchLedger();
    expect(typeof e!.id).toBe("number");
  });

  it("hot reads and writes use named prepared statements", async () => {
    const { adapter } = await make({ pool: { minConnections: 0 } });
    const names: (string | undefined)[] = [];
    const original = pg.Client.prototype.query;
    vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as { name?: string; text?: string } | string;
      // transaction control and session settings run unnamed; every data statement must be named
      const control = /^(BEGIN|COMMIT|ROLLBACK|SELECT set_config|DEALLOCATE)/;
      if (typeof config === "object" && config !== null && !control.test(config.text ?? ""))
        names.push(config.name);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original);
    await adapter.updatePosition("A", 1, 1);
    await adapter.fetchPositions();
    await adapter.fetchPosition("A");
    await adapter.appendLedger({
      timestamp: at(T0),
      symbol: "A",
      side: "SELL",
      qty: 1 as never,
      price: 1 as never,
      amount: 1 as never,
    } as never);
    await adapter.fetchLedger({ symbol: "A" });
    await adapter.fetchTickData("A", at(T0), at(T0 + 1));
    await adapter.fetchOhlcv("A", at(T0), at(T0 + 1), "1m");
    await adapter.appendTicks(makeTicks("A", T0, 3, 1000));
    expect(names).toHaveLength(8);
    expect(names.every((n) => typeof n === "string" && n.startsWith("qts_"))).toBe(true);
    expect(new Set(names).size).toBe(8);
    await adapter.fetchPositions();
    expect(names[8]).toBe(names[1]);
  });

  it("a constraint violation is a DataSourceError (not unavailable) with the pg error as cause", async () => {
    const { adapter, schema } = await make({ pool: { minConnections: 0 } });
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    await c.query(`ALTER TABLE "${schema}".positions ADD CONSTRAINT qty_cap CHECK (qty < 1000)`);
    await c.end();
    const error = await adapter.updatePosition("CAP", 5000, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataSourceError);
    expect(error).not.toBeInstanceOf(DataSourceUnavailableError);
    expect(((error as DataSourceError).cause as { code?: string }).code).toBe("23514");
    expect(await adapter.fetchPosition("CAP")).toBeNull();
    expect(await adapter.updatePosition("CAP", 5, 1)).toBe(true);
  });

  it("an unreachable server is DataSourceUnavailableError quickly, and the password never shows", async () => {
    const port = await getFreePort();
    const dsn = `postgres://qts:s3cr3t-pw@127.0.0.1:${port}/nope`;
    const a = new TimescaleAdapter({ dsn, pool: { minConnections: 0 }, connectTimeoutMs: 2000 });
    try {
      const started = Date.now();
      const error = await a.fetchPositions().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataSourceUnavailableError);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(String((error as Error).message)).not.toContain("s3cr3t");
      expect(await a.migrate().catch((e: Error) => e.message)).not.toContain("s3cr3t");
      const h = await a.healthCheck();
      expect(h.healthy).toBe(false);
      expect(h.error).not.toContain("s3cr3t");
      expect(String(a)).not.toContain("s3cr3t");
      expect(String(a)).toContain("***");
    } finally {
      await a.close();
    }
    expect(() => new TimescaleAdapter({ dsn: "", schema: "bad-name" })).toThrow(ConfigError);
    expect(() => new TimescaleAdapter({ dsn, pool: { minConnections: 30 } })).toThrow(ConfigError);
    const msg = (() => {
      try {
        new TimescaleAdapter({ dsn, schema: "x y" });
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg).not.toContain("s3cr3t");
  });

  it("stamps updatedAt from an injected clock", async () => {
    const clock = new ManualClock(Date.UTC(2031, 5, 1));
    const { adapter } = await make({ clock, pool: { minConnections: 0 } });
    await adapter.updatePosition("CLK", 1, 1);
    expect((await adapter.fetchPosition("CLK"))!.updatedAt!.toISOString()).toBe("2031-06-01T00:00:00.000Z");
  });

  it("plain path: rollups stay current on ingest, across batches, re-ingest and mixed symbols", async () => {
    const { adapter } = await make({ pool: { minConnections: 0 }, copyThreshold: 500 });
    const a1 = makeBars("R1", T0, 2 * 1440, MINUTE, 1);
    const b1 = makeBars("R2", T0 + DAY, 300, MINUTE, 2);
    // two batches that split days and hours in the middle, plus another symbol
    await adapter.appendOhlcv(a1.slice(0, 777), "1m");
    await adapter.appendOhlcv([...a1.slice(777), ...b1], "1m");
    const day = await adapter.fetchOhlcv("R1", at(T0), at(T0 + 2 * DAY), "1d");
    expect(day).toHaveLength(2);
    expect(day[0]!.volume).toBe(a1.slice(0, 1440).reduce((s, b) => s + b.volume, 0));
    expect(day[0]!.open.eq(a1[0]!.open)).toBe(true);
    expect(day[0]!.close.eq(a1[1439]!.close)).toBe(true);
    // re-ingest with a change in the middle of a bucket
    const changed = ohlcv({ ...a1[700]!, high: "123456", volume: 0 });
    await adapter.appendOhlcv([changed], "1m");
    const [d0] = await adapter.fetchOhlcv("R1", at(T0), at(T0 + DAY), "1d");
    expect(d0!.high.toFixed()).toBe("123456");
    expect(d0!.volume).toBe(day[0]!.volume - a1[700]!.volume);
    const fourH = await adapter.fetchOhlcv("R2", at(T0), at(T0 + 3 * DAY), "4h");
    expect(fourH.map((b) => b.time.getTime())).toEqual([T0 + DAY, T0 + DAY + 4 * HOUR]);
  });

  it("bad input never reaches the database (ValidationError before any query)", async () => {
    const { adapter } = await make({ pool: { minConnections: 0 } });
    const spy = vi.spyOn(pg.Pool.prototype, "query");
    await expect(adapter.updatePosition("", 1, 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(adapter.fetchLedger({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(adapter.appendTicks([{} as never])).rejects.toBeInstanceOf(ValidationError);
    expect(spy).not.toHaveBeenCalled();
  });

  it("COPY ingest: 100k ticks in one call round-trip whole; 20k bars re-ingest idempotently", async () => {
    const { adapter } = await make({ pool: { minConnections: 0, commandTimeoutMs: 60_000 } });
    const ticks = makeTicks("COPY", T0, 100_000, 2 * DAY, 99);
    let started = performance.now();
    expect(await adapter.appendTicks(ticks)).toBe(100_000);
    const tickMs = performance.now() - started;
    started = performance.now();
    const back = await adapter.fetchTickData("COPY", at(T0), at(T0 + 2 * DAY));
    const readMs = performance.now() - started;
    expect(back).toHaveLength(100_000);
    expect(back[54_321]!.price.eq(ticks[54_321]!.price)).toBe(true);
    const bars = makeBars("COPYB", T0, 20_000, MINUTE, 98);
    started = performance.now();
    expect(await adapter.appendOhlcv(bars, "1m")).toBe(20_000);
    const barMs = performance.now() - started;
    expect(await adapter.appendOhlcv(bars, "1m")).toBe(20_000);
    expect(await adapter.fetchOhlcv("COPYB", at(T0), at(T0 + 30 * DAY), "1m")).toHaveLength(20_000);
    const days = await adapter.fetchOhlcv("COPYB", at(T0), at(T0 + 30 * DAY), "1d");
    expect(days.reduce((s, d) => s + d.volume, 0)).toBe(bars.reduce((s, b) => s + b.volume, 0));
    console.info(
      `[measure] COPY 100k ticks: ${Math.round(tickMs)} ms (${Math.round(100_000 / (tickMs / 1000))} rows/s); ` +
        `read back ${Math.round(readMs)} ms; 20k 1m bars with rollups: ${Math.round(barMs)} ms`,
    );
  }, 120_000);

  it("bulk writes run under bulkTimeoutMs, not the short command timeout; past it nothing is written", async () => {
    const { adapter, schema } = await make({ pool: { minConnections: 0, commandTimeoutMs: 150 } });
    const ticks = makeTicks("BULKT", T0, 100_000, DAY, 7);
    expect(await adapter.appendTicks(ticks)).toBe(100_000);
    const strict = new TimescaleAdapter({
      dsn: url!,
      schema,
      pool: { minConnections: 0 },
      bulkTimeoutMs: 20,
    });
    try {
      const error = await strict.appendTicks(ticks).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataSourceUnavailableError);
      expect(await strict.appendLedger(makeEntryFor("after-timeout"))).toBe(true);
    } finally {
      await strict.close();
    }
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    const n = await c.query(`SELECT count(*)::int AS n FROM "${schema}".ticks`);
    await c.end();
    expect(n.rows[0].n).toBe(100_000);
  }, 120_000);

  it("a COPY whose time limit runs out before the server answers rejects cleanly (the late answer is ignored)", async () => {
    const { schema } = await make({ pool: { minConnections: 0 } });
    // 1 ms: the limit fires before the server's CopyInResponse; that answer then arrives for a stream that has
    // already failed (it used to throw outside any promise and crash the process).
    const strict = new TimescaleAdapter({ dsn: url!, schema, pool: { minConnections: 0 }, bulkTimeoutMs: 1 });
    const ticks = makeTicks("LATE", T0, 20_000, DAY, 3);
    try {
      for (let i = 0; i < 4; i++) {
        const outcome = await strict.appendTicks(ticks).catch((e: unknown) => e);
        if (outcome !== 20_000) expect(outcome).toBeInstanceOf(DataSourceUnavailableError);
      }
      await new Promise((r) => setTimeout(r, 200)); // late answers arrive while the test still runs
      expect(await strict.appendLedger(makeEntryFor("after-late-answers"))).toBe(true);
    } finally {
      await strict.close();
    }
  }, 120_000);
});

function makeEntryFor(orderId: string) {
  return {
    timestamp: at(T0),
    symbol: "X",
    side: "BUY",
    qty: 1,
    price: 1,
    amount: 1,
    orderId,
  } as never;
}
