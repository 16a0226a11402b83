import {
  aggregateBars,
  aggregationSourceRange,
  finerIntervals,
  type Interval,
  type LedgerEntry,
  type NormalizedLedgerQuery,
  type OHLCV,
  type TickData,
} from "@qts/contracts";

/**
 * Evaluation in the process of the queries a store without a query engine (memory, a spreadsheet) answers,
 * with the semantics of the SQL the database adapter runs: windows are `[start, end)`.
 */

/** The entries matching a normalized ledger query: newest first (ties: higher id first), at most `limit`. */
export function selectLedger(entries: Iterable<LedgerEntry>, q: NormalizedLedgerQuery): LedgerEntry[] {
  const start = q.start?.getTime() ?? Number.NEGATIVE_INFINITY;
  const end = q.end?.getTime() ?? Number.POSITIVE_INFINITY;
  const out: LedgerEntry[] = [];
  for (const e of entries) {
    const t = e.timestamp.getTime();
    if ((q.symbol === null || e.symbol === q.symbol) && t >= start && t < end) out.push(e);
  }
  return out
    .sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime() || (b.id ?? 0) - (a.id ?? 0))
    .slice(0, q.limit);
}

/** Bars with a time in `[start, end)`, oldest first. */
export function barsInRange(bars: Iterable<OHLCV> | undefined, start: Date, end: Date): OHLCV[] {
  const s = start.getTime();
  const e = end.getTime();
  const out: OHLCV[] = [];
  for (const bar of bars ?? []) {
    const t = bar.time.getTime();
    if (t >= s && t < e) out.push(bar);
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/**
 * `fetchOhlcv` over stored bars: the bars stored for `interval` in `[start, end)`; when there are none, the
 * finest finer interval that has bars over the aggregation window, aggregated with `aggregateBars`.
 * `barsIn(interval, start, end)` returns one symbol's stored bars of that interval in the window.
 */
export function barsWithAggregation(
  barsIn: (interval: Interval, start: Date, end: Date) => OHLCV[],
  interval: Interval,
  start: Date,
  end: Date,
): OHLCV[] {
  const stored = barsIn(interval, start, end);
  if (stored.length > 0) return stored;
  const source = aggregationSourceRange(start, end, interval);
  for (const finer of finerIntervals(interval)) {
    const bars = barsIn(finer, source.start, source.end);
    if (bars.length > 0) return aggregateBars(bars, interval);
  }
  return [];
}

/** One symbol's ticks with a time in `[start, end)`, oldest first (arrival order among equal times). */
export function ticksInRange(ticks: Iterable<TickData>, symbol: string, start: Date, end: Date): TickData[] {
  const s = start.getTime();
  const e = end.getTime();
  const out: TickData[] = [];
  for (const t of ticks) {
    const ms = t.time.getTime();
    if (t.symbol === symbol && ms >= s && ms < e) out.push(t);
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime());
}
