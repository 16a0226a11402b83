import { bucketStartMs, INTERVAL_MS, type Interval } from "./interval.js";
import type { OHLCV } from "./records/ohlcv.js";

/**
 * Aggregates bars (any finer interval) into `interval` buckets aligned to the UTC epoch:
 * open = first, close = last, high = max, low = min, volume = sum; each bucket is labelled by its start.
 * Input need not be sorted (bars with equal times keep their input order); output is ascending by time.
 * Bars of different symbols never share a bucket (same-time buckets are ordered by symbol).
 * Used by adapters that bucket in process (memory, Sheets); the Timescale adapter does the same in SQL.
 */
export function aggregateBars(bars: readonly OHLCV[], interval: Interval): OHLCV[] {
  const sorted = [...bars].sort((a, b) => a.time.getTime() - b.time.getTime());
  const buckets = new Map<string, { time: number; bar: OHLCVMutable }>();
  for (const bar of sorted) {
    const bucket = bucketStartMs(bar.time.getTime(), interval);
    const key = `${bucket}\u0000${bar.symbol}`;
    const current = buckets.get(key);
    if (current === undefined) {
      buckets.set(key, { time: bucket, bar: { ...bar } });
      continue;
    }
    const agg = current.bar;
    if (bar.high.gt(agg.high)) agg.high = bar.high;
    if (bar.low.lt(agg.low)) agg.low = bar.low;
    agg.close = bar.close;
    agg.volume += bar.volume;
  }
  return [...buckets.values()]
    .sort(
      (a, b) => a.time - b.time || (a.bar.symbol < b.bar.symbol ? -1 : a.bar.symbol > b.bar.symbol ? 1 : 0),
    )
    .map((b) => freezeBar(b.time, b.bar));
}

type OHLCVMutable = { -readonly [K in keyof OHLCV]: OHLCV[K] };

function freezeBar(time: number, bar: OHLCVMutable): OHLCV {
  return Object.freeze({ ...bar, time: new Date(time) });
}

/**
 * The source range an aggregated read needs. An aggregated bar is treated exactly like a stored bar labelled
 * with its bucket start: `fetchOhlcv(symbol, start, end, interval)` returns the buckets whose start lies in
 * `[start, end)`, each aggregating every finer bar of its whole bucket. So the finer bars read are those in
 * `[ceil(start), ceil(end))`, where ceil rounds up to the next bucket boundary (UTC-epoch aligned).
 */
export function aggregationSourceRange(
  start: Date,
  end: Date,
  interval: Interval,
): { start: Date; end: Date } {
  const ceil = (ms: number) => {
    const floor = bucketStartMs(ms, interval);
    return floor === ms ? ms : floor + INTERVAL_MS[interval];
  };
  return { start: new Date(ceil(start.getTime())), end: new Date(ceil(end.getTime())) };
}
