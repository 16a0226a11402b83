import { ConfigError, INTERVAL_MS, ohlcv, type TickData } from "@qts/contracts";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { at, DAY, HOUR, MINUTE, makeBars, makeTicks, T0 } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { PGLITE_OPTIONS, pgliteForFile, uniqueSchema, withPgliteClient } from "./timescale-pglite-helpers.js";

// TimescaleDB path of the migrations on PGlite + TimescaleDB 2.23. Background jobs do not run by themselves
// there: policies are run explicitly with CALL run_job(id).
const pglite = pgliteForFile();

/** Runs `fn` with the adapter closed, over a connection of our own (PGlite serves one at a time). */
const inspect = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withPgliteClient(pglite.url, fn);

describe("TimescaleAdapter migrations on TimescaleDB (PGlite)", () => {
  it("creates hypertables (1-day tick chunks), compression by symbol, and real-time continuous aggregates", async () => {
    const schema = uniqueSchema("qts_tsfeat");
    const a = new TimescaleAdapter({
      dsn: pglite.url,
      schema,
      ...PGLITE_OPTIONS,
      compressAfter: "3 days",
      tickRetention: "30 days",
    });
    const result = await a.migrate();
    expect(result.storage).toBe("timescaledb");
    expect(result.applied).toEqual([1, 2, 3, 4]);
    expect((await a.migrate()).applied).toEqual([]);
    await a.close();

    await inspect(async (c) => {
      const hyper = await c.query(
        "SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 ORDER BY 1",
        [schema],
      );
      expect(hyper.rows).toEqual([
        { hypertable_name: "bars", compression_enabled: true },
        { hypertable_name: "ticks", compression_enabled: true },
      ]);
      const dims = await c.query(
        "SELECT hypertable_name, column_name, time_interval::text AS chunk FROM timescaledb_information.dimensions WHERE hypertable_schema = $1 ORDER BY 1",
        [schema],
      );
      expect(dims.rows).toEqual([
        { hypertable_name: "bars", column_name: "time", chunk: "7 days" },
        { hypertable_name: "ticks", column_name: "time", chunk: "1 day" },
      ]);
      const seg = await c.query(
        `SELECT hypertable_name, attname FROM timescaledb_information.compression_settings
          WHERE hypertable_schema = $1 AND segmentby_column_index IS NOT NULL ORDER BY 1, segmentby_column_index`,
        [schema],
      );
      expect(seg.rows).toEqual([
        { hypertable_name: "bars", attname: "symbol" },
        { hypertable_name: "bars", attname: "bar_interval" },
        { hypertable_name: "ticks", attname: "symbol" },
      ]);
      const jobs = await c.query(
        `SELECT proc_name, hypertable_name, config->>'compress_after' AS compress_after, config->>'drop_after' AS drop_after
          FROM timescaledb_information.jobs WHERE hypertable_schema = $1 ORDER BY 1, 2`,
        [schema],
      );
      const byProc = (p: string) => jobs.rows.filter((r) => r.proc_name === p);
      expect(byProc("policy_compression").map((r) => [r.hypertable_name, r.compress_after])).toEqual([
        ["bars", "3 days"],
        ["ticks", "3 days"],
      ]);
      expect(byProc("policy_retention").map((r) => [r.hypertable_name, r.drop_after])).toEqual([
        ["ticks", "30 days"],
      ]);
      const caggs = await c.query(
        "SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1 ORDER BY 1",
        [schema],
      );
      expect(caggs.rows.map((r) => r.view_name).sort()).toEqual(
        ["bars_15m", "bars_1d", "bars_1h", "bars_30m", "bars_4h", "bars_5m"].sort(),
      );
      expect(caggs.rows.every((r) => r.materialized_only === false)).toBe(true);
      // continuous aggregates live in the materialisation jobs too (one refresh policy each)
      const refresh = await c.query(
        "SELECT count(*)::int AS n FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate' AND hypertable_schema = $1",
        [schema],
      );
      expect(refresh.rows[0].n).toBe(6);
    });
  });

  it("rejects a retention that is not longer than the compression age", () => {
    expect(
      () => new TimescaleAdapter({ dsn: pglite.url, compressAfter: "7 days", tickRetention: "7 days" }),
    ).toThrow(ConfigError);
    expect(
      () => new TimescaleAdapter({ dsn: pglite.url, compressAfter: "30 days", tickRetention: "2 weeks" }),
    ).toThrow(ConfigError);
  });

  it("continuous aggregates stay exact after materialisation and after a backfill below the watermark", async () => {
    const a = new TimescaleAdapter({
      dsn: pglite.url,
      schema: uniqueSchema("qts_tscagg"),
      ...PGLITE_OPTIONS,
    });
    await a.migrate();
    const bars = makeBars("CAGG", T0, 600, MINUTE, 21);
    await a.appendOhlcv(bars, "1m");
    const q = () => a.fetchOhlcv("CAGG", at(T0), at(T0 + DAY), "1h");
    const realtime = await q();
    expect(realtime).toHaveLength(10);
    // Materialise what the refresh policy would (background jobs do not run on PGlite by themselves; run_job
    // of a policy with start_offset NULL walks all time in 5m buckets there, ~15 s, so refresh a window).
    await a.close();
    await inspect(async (c) => {
      for (const view of ["bars_5m", "bars_15m", "bars_30m", "bars_1h", "bars_4h", "bars_1d"]) {
        await c.query(
          `CALL refresh_continuous_aggregate('${a.schema}.${view}', $1::timestamptz, $2::timestamptz)`,
          [new Date(T0 - DAY), new Date(T0 + 2 * DAY)],
        );
      }
      const marks = await c.query(
        `SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(mat_hypertable_id)) AS w
          FROM _timescaledb_catalog.continuous_agg WHERE user_view_schema = $1 AND user_view_name = 'bars_1h'`,
        [a.schema],
      );
      expect(marks.rows[0].w.getTime()).toBeGreaterThan(T0);
    });
    const b = new TimescaleAdapter({ dsn: pglite.url, schema: a.schema, ...PGLITE_OPTIONS });
    try {
      expect((await b.fetchOhlcv("CAGG", at(T0), at(T0 + DAY), "1h")).map(String)).toEqual(
        realtime.map(String),
      );
      // backfill: change one 1m bar inside the materialised range; the adapter refreshes the touched buckets
      const changed = ohlcv({ ...bars[90]!, high: "99999", volume: 1 });
      await b.appendOhlcv([changed], "1m");
      const after = await b.fetchOhlcv("CAGG", at(T0), at(T0 + DAY), "1h");
      expect(after[1]!.high.toFixed()).toBe("99999");
      expect(after[1]!.volume).toBe(realtime[1]!.volume - bars[90]!.volume + 1);
      expect(after[0]!.high.eq(realtime[0]!.high)).toBe(true);
    } finally {
      await b.close();
    }
  });

  it("compressed chunks still answer reads and accept new ticks and bar upserts", async () => {
    const schema = uniqueSchema("qts_tscomp");
    const a = new TimescaleAdapter({ dsn: pglite.url, schema, ...PGLITE_OPTIONS, compressAfter: "1 day" });
    await a.migrate();
    const old = T0; // 2024: far older than the compression age
    const ticks: TickData[] = makeTicks("CMP", old, 300, 2 * DAY, 5);
    await a.appendTicks(ticks);
    const bars = makeBars("CMP", old, 120, MINUTE, 8);
    await a.appendOhlcv(bars, "1m");
    await a.close();
    const compressed = await inspect(async (c) => {
      const jobs = await c.query(
        "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_schema = $1",
        [schema],
      );
      for (const j of jobs.rows) await c.query(`CALL run_job(${Number(j.job_id)})`);
      const chunks = await c.query(
        "SELECT hypertable_name, count(*) FILTER (WHERE is_compressed)::int AS n FROM timescaledb_information.chunks WHERE hypertable_schema = $1 GROUP BY 1 ORDER BY 1",
        [schema],
      );
      return chunks.rows;
    });
    expect(compressed).toEqual([
      { hypertable_name: "bars", n: 1 },
      { hypertable_name: "ticks", n: 2 },
    ]);
    const b = new TimescaleAdapter({ dsn: pglite.url, schema, ...PGLITE_OPTIONS });
    try {
      const got = await b.fetchTickData("CMP", at(old), at(old + 3 * DAY));
      expect(got).toHaveLength(300);
      expect(got.map((t) => t.price.toFixed())).toEqual(ticks.map((t) => t.price.toFixed()));
      await b.appendTicks(makeTicks("CMP", old + HOUR, 5, MINUTE, 6));
      expect(await b.fetchTickData("CMP", at(old), at(old + 3 * DAY))).toHaveLength(305);
      const changed = ohlcv({ ...bars[9]!, close: bars[9]!.low, volume: 42 });
      await b.appendOhlcv([changed], "1m");
      const stored = await b.fetchOhlcv("CMP", at(old), at(old + HOUR), "1m");
      expect(stored).toHaveLength(60);
      expect(stored[9]!.volume).toBe(42);
      const fiveMin = await b.fetchOhlcv("CMP", at(old), at(old + HOUR), "5m");
      expect(fiveMin[1]!.close.eq(changed.close)).toBe(true);
      expect(fiveMin[1]!.time.getTime() % INTERVAL_MS["5m"]).toBe(0);
    } finally {
      await b.close();
    }
  });

  it('timescale: "off" keeps plain tables even where the extension is installed', async () => {
    const schema = uniqueSchema("qts_tsoff");
    const a = new TimescaleAdapter({ dsn: pglite.url, schema, ...PGLITE_OPTIONS, timescale: "off" });
    expect((await a.migrate()).storage).toBe("plain");
    const bars = makeBars("OFF", T0, 30, MINUTE, 3);
    await a.appendOhlcv(bars, "1m");
    expect(await a.fetchOhlcv("OFF", at(T0), at(T0 + HOUR), "15m")).toHaveLength(2);
    await a.close();
    const hypertables = await inspect((c) =>
      c.query(
        "SELECT count(*)::int AS n FROM timescaledb_information.hypertables WHERE hypertable_schema = $1",
        [schema],
      ),
    );
    expect(hypertables.rows[0].n).toBe(0);
  });
});
