import {
  aggregateBars,
  type DataSourceAdapter,
  INTERVALS,
  type Interval,
  type OHLCV,
  type Position,
  validateSymbol,
  validateTimeRange,
} from "@qts/contracts";
import { compareStrings } from "../common/index.js";
import {
  canPut,
  copyPosition,
  fetchAllLedger,
  ledgerKey,
  multisetMinus,
  samePosition,
  tickKey,
} from "./content.js";
import { diffStores, sameBars } from "./diff.js";

export type SyncPhase = "positions" | "ledger" | "bars" | "ticks" | "verify";

export interface SyncProgress {
  readonly phase: SyncPhase;
  /** Units done / total in this phase (positions, entries, symbols or ticks). */
  readonly done: number;
  readonly total: number;
  readonly symbol?: string;
}

export interface SyncOptions {
  /** Compare source and target after copying (default true). */
  verify?: boolean | undefined;
  onProgress?: ((p: SyncProgress) => void) | undefined;
  /** Symbols whose bars and ticks to copy, besides those found in the source's positions and ledger. */
  symbols?: readonly string[] | undefined;
  /** Time window `[start, end)` for ledger, bars and ticks (default: everything, 1970 to 9999). */
  start?: Date | undefined;
  end?: Date | undefined;
  /** Bar intervals to copy (default all). */
  intervals?: readonly Interval[] | undefined;
  /** Rows per `appendTicks` / `appendOhlcv` call (default 5000). */
  batchSize?: number | undefined;
}

export interface SyncVerification {
  readonly consistent: boolean;
  /** Symbols whose position (qty, avgPrice) differs or is missing in the target. */
  readonly positions: readonly string[];
  /** Source ledger entries (in the window) the target lacks. */
  readonly ledgerMissing: number;
  /** `symbol interval` pairs whose bars read differently from the two stores. */
  readonly bars: readonly string[];
  /** Source ticks (in the window) the target lacks. */
  readonly ticksMissing: number;
}

export interface SyncReport {
  readonly symbols: readonly string[];
  readonly positions: { readonly copied: number; readonly unchanged: number };
  readonly ledger: { readonly copied: number; readonly alreadyPresent: number };
  readonly bars: { readonly copied: number };
  readonly ticks: { readonly copied: number; readonly alreadyPresent: number };
  readonly verification: SyncVerification | null;
  readonly durationMs: number;
}

const MIN_TIME = new Date(0);
const MAX_TIME = new Date(Date.UTC(9999, 11, 31));

/**
 * Copies positions, the ledger, bars and ticks from `from` to `to`, idempotently: positions are written
 * only where they differ; ledger entries and ticks already in the target (matched by content, as multisets)
 * are skipped; bars are upserts. Bars and ticks are copied for the symbols of the source's positions and
 * ledger plus `options.symbols` (the adapter interface cannot list symbols), over `[start, end)`. A bar
 * interval whose bars are only an aggregation of a finer interval already copied is not copied (the target
 * aggregates it the same way). Then, unless `verify: false`, compares the two stores and reports.
 */
export async function syncDataSources(
  from: DataSourceAdapter,
  to: DataSourceAdapter,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const began = performance.now();
  const { start, end } = validateTimeRange(options.start ?? MIN_TIME, options.end ?? MAX_TIME);
  const intervals = [...(options.intervals ?? INTERVALS)].sort(
    (a, b) => INTERVALS.indexOf(a) - INTERVALS.indexOf(b),
  );
  const batch = options.batchSize ?? 5000;
  const extraSymbols = (options.symbols ?? []).map((s) => validateSymbol(s));
  const progress = (p: SyncProgress) => options.onProgress?.(p);

  // Positions.
  const sourcePositions = await from.fetchPositions();
  const targetPositions = new Map((await to.fetchPositions()).map((p) => [p.symbol, p]));
  let copiedPositions = 0;
  for (const [i, p] of sourcePositions.entries()) {
    const t = targetPositions.get(p.symbol);
    if (!samePosition(p, t) || (canPut(to) && t && !sameExtras(p, t))) {
      await copyPosition(to, p);
      copiedPositions++;
    }
    progress({ phase: "positions", done: i + 1, total: sourcePositions.length, symbol: p.symbol });
  }

  // Ledger (oldest first, so ids in the target grow with time).
  const sourceLedger = await fetchAllLedger(from, { start, end });
  const missing = multisetMinus(sourceLedger, await fetchAllLedger(to, { start, end }), ledgerKey).sort(
    (a, b) => a.timestamp.getTime() - b.timestamp.getTime() || (a.id ?? 0) - (b.id ?? 0),
  );
  for (const [i, e] of missing.entries()) {
    await to.appendLedger(e);
    if ((i + 1) % 100 === 0 || i + 1 === missing.length)
      progress({ phase: "ledger", done: i + 1, total: missing.length });
  }

  const symbols = [
    ...new Set([
      ...sourcePositions.map((p) => p.symbol),
      ...sourceLedger.map((e) => e.symbol),
      ...extraSymbols,
    ]),
  ].sort(compareStrings);

  // Bars.
  let copiedBars = 0;
  for (const [i, symbol] of symbols.entries()) {
    let finest: { interval: Interval; bars: OHLCV[] } | null = null;
    for (const iv of intervals) {
      const bars = await from.fetchOhlcv(symbol, start, end, iv);
      if (bars.length === 0) continue;
      if (finest && sameBars(bars, aggregateBars(finest.bars, iv))) continue;
      for (let k = 0; k < bars.length; k += batch)
        copiedBars += await to.appendOhlcv(bars.slice(k, k + batch), iv);
      finest ??= { interval: iv, bars };
    }
    progress({ phase: "bars", done: i + 1, total: symbols.length, symbol });
  }

  // Ticks (an append-only log: only what the target lacks).
  let copiedTicks = 0;
  let presentTicks = 0;
  for (const [i, symbol] of symbols.entries()) {
    const source = await from.fetchTickData(symbol, start, end);
    const lacking =
      source.length === 0 ? [] : multisetMinus(source, await to.fetchTickData(symbol, start, end), tickKey);
    presentTicks += source.length - lacking.length;
    for (let k = 0; k < lacking.length; k += batch)
      copiedTicks += await to.appendTicks(lacking.slice(k, k + batch));
    progress({ phase: "ticks", done: i + 1, total: symbols.length, symbol });
  }

  let verification: SyncVerification | null = null;
  if (options.verify !== false) {
    verification = await verifySync(from, to, symbols, intervals, start, end, progress);
  }
  return Object.freeze({
    symbols: Object.freeze(symbols),
    positions: { copied: copiedPositions, unchanged: sourcePositions.length - copiedPositions },
    ledger: { copied: missing.length, alreadyPresent: sourceLedger.length - missing.length },
    bars: { copied: copiedBars },
    ticks: { copied: copiedTicks, alreadyPresent: presentTicks },
    verification,
    durationMs: performance.now() - began,
  });
}

/** The target holds everything of the source: the source's positions, ledger, bars as read, and ticks. */
async function verifySync(
  from: DataSourceAdapter,
  to: DataSourceAdapter,
  symbols: readonly string[],
  intervals: readonly Interval[],
  start: Date,
  end: Date,
  progress: (p: SyncProgress) => void,
): Promise<SyncVerification> {
  const diff = await diffStores(from, to, {
    start,
    end,
    symbols,
    intervals,
    onSymbol: (done, total, symbol) => progress({ phase: "verify", done, total, symbol }),
  });
  // What only the target has (its own positions, entries or ticks) does not make the copy incomplete.
  const positions = diff.positions.filter((d) => d.primary !== null).map((d) => d.symbol);
  const ledgerMissing = diff.ledger.missingInSecondary.length;
  const ticksMissing = diff.ticks.missingInSecondary;
  return Object.freeze({
    consistent: positions.length === 0 && ledgerMissing === 0 && diff.bars.length === 0 && ticksMissing === 0,
    positions: Object.freeze(positions),
    ledgerMissing,
    bars: diff.bars,
    ticksMissing,
  });
}

function sameExtras(a: Position, b: Position): boolean {
  const fields = ["exposureValue", "exposurePct", "unrealizedPnl"] as const;
  return a.market === b.market && fields.every((f) => a[f].eq(b[f]));
}
