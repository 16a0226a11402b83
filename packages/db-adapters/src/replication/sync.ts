import {
  type DataSourceAdapter,
  INTERVALS,
  type Interval,
  isPositionWriter,
  isSymbolLister,
  type Position,
  validateSymbol,
  validateTimeRange,
} from "@qts/contracts";
import { chunks, compareStrings, type StoreSymbols } from "../common/index.js";
import { copyPosition, fetchAllLedger, ledgerKey, multisetMinus, samePosition, tickKey } from "./content.js";
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
  /**
   * Symbols whose bars and ticks to copy besides those the source holds. Needed only for a source that cannot
   * list its symbols (`listSymbols`); the memory, Sheets, Timescale and Hybrid adapters can.
   */
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
  /** Every symbol whose records were copied (positions, ledger, bars, ticks), in code-unit order. */
  readonly symbols: readonly string[];
  /** The source's symbols per record kind, or null when the source cannot list them. */
  readonly sourceSymbols: StoreSymbols | null;
  readonly positions: { readonly copied: number; readonly unchanged: number };
  readonly ledger: { readonly copied: number; readonly alreadyPresent: number };
  /** Bars written, and bars the target already served identically (also as an aggregation of finer bars). */
  readonly bars: { readonly copied: number; readonly alreadyPresent: number };
  readonly ticks: { readonly copied: number; readonly alreadyPresent: number };
  readonly verification: SyncVerification | null;
  readonly durationMs: number;
}

const MIN_TIME = new Date(0);
const MAX_TIME = new Date(Date.UTC(9999, 11, 31));

/**
 * Copies positions, the ledger, bars and ticks from `from` to `to`, idempotently (a rerun copies nothing):
 * positions are written only where they differ; ledger entries and ticks already in the target (matched by
 * content, as multisets) are skipped; a bar interval is written only where the target does not already serve
 * the same bars (so an interval the target aggregates identically from finer bars is not copied). Bars and
 * ticks are copied for every symbol the source holds in any kind (`listSymbols`), plus `options.symbols`, over
 * `[start, end)`. Then, unless `verify: false`, compares the two stores and reports.
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
  chunks([], batch); // validates the batch size before anything is copied
  const extraSymbols = (options.symbols ?? []).map((s) => validateSymbol(s));
  const progress = (p: SyncProgress) => options.onProgress?.(p);
  const sourceSymbols = isSymbolLister(from) ? await from.listSymbols() : null;

  const positions = await copyPositions(from, to, progress);

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
      ...(sourceSymbols
        ? [...sourceSymbols.positions, ...sourceSymbols.ledger, ...sourceSymbols.bars, ...sourceSymbols.ticks]
        : []),
      ...positions.symbols,
      ...sourceLedger.map((e) => e.symbol),
      ...extraSymbols,
    ]),
  ].sort(compareStrings);

  // Bars: per interval, finest first, written only where the target serves something else.
  let copiedBars = 0;
  let presentBars = 0;
  for (const [i, symbol] of symbols.entries()) {
    for (const iv of intervals) {
      const bars = await from.fetchOhlcv(symbol, start, end, iv);
      if (bars.length === 0) continue;
      if (sameBars(bars, await to.fetchOhlcv(symbol, start, end, iv))) {
        presentBars += bars.length;
        continue;
      }
      for (const part of chunks(bars, batch)) copiedBars += await to.appendOhlcv(part, iv);
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
    for (const part of chunks(lacking, batch)) copiedTicks += await to.appendTicks(part);
    progress({ phase: "ticks", done: i + 1, total: symbols.length, symbol });
  }

  const verification =
    options.verify === false ? null : await verifySync(from, to, symbols, intervals, start, end, progress);
  return Object.freeze({
    symbols: Object.freeze(symbols),
    sourceSymbols,
    positions: { copied: positions.copied, unchanged: positions.symbols.length - positions.copied },
    ledger: { copied: missing.length, alreadyPresent: sourceLedger.length - missing.length },
    bars: { copied: copiedBars, alreadyPresent: presentBars },
    ticks: { copied: copiedTicks, alreadyPresent: presentTicks },
    verification,
    durationMs: performance.now() - began,
  });
}

/** Writes the source's positions the target lacks or holds differently; returns the source's symbols. */
async function copyPositions(
  from: DataSourceAdapter,
  to: DataSourceAdapter,
  progress: (p: SyncProgress) => void,
): Promise<{ symbols: string[]; copied: number }> {
  const source = await from.fetchPositions();
  const target = new Map((await to.fetchPositions()).map((p) => [p.symbol, p]));
  let copied = 0;
  for (const [i, p] of source.entries()) {
    const t = target.get(p.symbol);
    if (!samePosition(p, t) || (isPositionWriter(to) && t && !sameExtras(p, t))) {
      await copyPosition(to, p);
      copied++;
    }
    progress({ phase: "positions", done: i + 1, total: source.length, symbol: p.symbol });
  }
  return { symbols: source.map((p) => p.symbol), copied };
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
