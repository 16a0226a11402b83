import { decimalToPlain } from "@qts/contracts";
import type { BenchContext, BenchDef } from "../context.js";
import { BARS_START, barsCsv, makeMinuteBars } from "../data.js";
import { measureSides, timeMs } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison, stat } from "../stats.js";
import { copyCsv, oursAdapter, pgClient } from "./pg-util.js";

const SYMBOL = "BENCH";
const BIN = `date_bin('1 day', time, TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
const RANGE = "symbol = $1 AND time >= $2 AND time < $3";

/** Hand-written on-the-fly bucketing of 1m bars into 1d bars; the fastest one on this run is the baseline. */
function variants(t: string): Record<string, string> {
  return {
    // first/last through ordered array_agg.
    array_agg: `SELECT ${BIN} AS bucket, (array_agg(open ORDER BY time))[1] AS open, max(high) AS high,
        min(low) AS low, (array_agg(close ORDER BY time DESC))[1] AS close, sum(volume) AS volume
      FROM ${t} WHERE ${RANGE} GROUP BY 1 ORDER BY 1`,
    // One aggregate pass for high/low/volume and each bucket's first/last time, then two PK lookups per bucket.
    "minmax-join": `WITH b AS (
        SELECT ${BIN} AS bucket, min(time) AS t0, max(time) AS t1, max(high) AS high, min(low) AS low,
               sum(volume) AS volume
          FROM ${t} WHERE ${RANGE} GROUP BY 1)
      SELECT b.bucket, o.open, b.high, b.low, c.close, b.volume
        FROM b JOIN ${t} o ON o.symbol = $1 AND o.time = b.t0
               JOIN ${t} c ON c.symbol = $1 AND c.time = b.t1
       ORDER BY b.bucket`,
    // Window functions over each bucket, one row per bucket.
    window: `SELECT DISTINCT ON (bucket) bucket, first_value(open) OVER w AS open, max(high) OVER w AS high,
        min(low) OVER w AS low, last_value(close) OVER w AS close, sum(volume) OVER w AS volume
      FROM (SELECT ${BIN} AS bucket, time, open, high, low, close, volume FROM ${t} WHERE ${RANGE}) s
      WINDOW w AS (PARTITION BY bucket ORDER BY time ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      ORDER BY bucket`,
  };
}

interface BarRow {
  bucket: Date;
  open: string;
  close: string;
  volume: string;
}

/** `fetchOhlcv(…, "1d")` over a year of 1m bars vs the best hand-written bucketing SQL. */
export const ohlcvBench: BenchDef = {
  name: "ohlcv",
  title: 'fetchOhlcv(..., "1d") over 1m bars vs the best hand-written date_bin bucketing SQL',
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const days = ctx.quick ? 60 : 365;
    const url = await ctx.pgUrl();
    const base = await ctx.pgSchema("bench_bars");
    const c = await pgClient(url);
    const bars = makeMinuteBars(SYMBOL, days);
    const start = BARS_START;
    const end = new Date(BARS_START.getTime() + days * 86_400_000);
    const notes = [
      `${bars.length.toLocaleString("en")} 1m bars of one symbol over ${days} days → ${days} daily bars`,
    ];
    try {
      const t = `${base}.bars_1m`;
      await c.query(`CREATE TABLE ${t} (symbol text NOT NULL, time timestamptz NOT NULL, open numeric NOT NULL,
        high numeric NOT NULL, low numeric NOT NULL, close numeric NOT NULL, volume bigint NOT NULL,
        PRIMARY KEY (symbol, time))`);
      await copyCsv(c, t, "symbol, time, open, high, low, close, volume", barsCsv(bars));
      await c.query(`ANALYZE ${t}`);
      const sql = variants(t);
      const params = [SYMBOL, start, end];
      const runVariant = async (name: string): Promise<BarRow[]> =>
        (await c.query<BarRow>({ name: `bench_ohlcv_${name}`, text: sql[name]!, values: params })).rows;
      // Calibrate: the fastest variant (median of 5 after a warm-up) is the baseline.
      const calib: Record<string, number> = {};
      for (const name of Object.keys(sql)) {
        await runVariant(name);
        const times: number[] = [];
        for (let i = 0; i < 5; i++) times.push(await timeMs(() => runVariant(name)));
        calib[name] = stat(times).median;
      }
      const best = Object.entries(calib).sort((a, b) => a[1] - b[1])[0]![0];
      notes.push(
        `baseline variant: ${best} (calibration medians: ${Object.entries(calib)
          .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
          .join(", ")})`,
      );
      const expected = await runVariant(best);

      const { adapter } = await oursAdapter(ctx, "bench_bars_ours");
      const ingest = await timeMs(() => adapter.appendOhlcv(bars, "1m"));
      notes.push(
        `ours ingest: appendOhlcv of the 1m bars took ${(ingest / 1000).toFixed(2)} s ` +
          `(${Math.round((bars.length * 1000) / ingest).toLocaleString("en")} rows/s, rollups included)`,
      );
      const got = await adapter.fetchOhlcv(SYMBOL, start, end, "1d");
      const same =
        got.length === expected.length &&
        got.every(
          (b, i) =>
            b.time.getTime() === expected[i]!.bucket.getTime() &&
            b.open.eq(expected[i]!.open) &&
            b.close.eq(expected[i]!.close) &&
            String(b.volume) === expected[i]!.volume,
        );
      notes.push(
        `ours returned ${got.length} bars, baseline ${expected.length}; same time/open/close/volume: ${same}` +
          (same || got[0] === undefined
            ? ""
            : ` (first: ours ${got[0].time.toISOString()} o=${decimalToPlain(got[0].open)}, ` +
              `baseline ${expected[0]?.bucket.toISOString()} o=${expected[0]?.open})`),
      );
      const sides = {
        baseline: () => timeMs(() => runVariant(best)),
        ours: () => timeMs(() => adapter.fetchOhlcv(SYMBOL, start, end, "1d")),
      };
      const s = await measureSides(sides, ctx.quick ? 5 : 9, 1);
      return [
        row(
          {
            name: "ohlcv",
            title: `fetchOhlcv 1d over ${days} days of 1m bars (one symbol), per call`,
            unit: "ms",
            baselineLabel: `best bucketing SQL (${best})`,
            oursLabel: "TimescaleAdapter.fetchOhlcv",
            target: { op: "<=", value: 1.0 },
            notes: [...notes, "stretch aim ≤ 0.05× (maintained rollups): see the ratio"],
          },
          comparison(s.baseline!, s.ours!),
        ),
      ];
    } finally {
      await c.end();
    }
  },
};
