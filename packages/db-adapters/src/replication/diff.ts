import {
  type DataSourceAdapter,
  decimalToPlain,
  INTERVALS,
  type Interval,
  type LedgerEntry,
  type OHLCV,
  type Position,
} from "@qts/contracts";
import { compareStrings } from "../common/index.js";
import { fetchAllLedger, ledgerKey, multisetMinus, samePosition, tickKey } from "./content.js";

/** A symbol whose position differs (qty or avgPrice), or exists in one store only (null on the other side). */
export interface PositionDifference {
  readonly symbol: string;
  readonly primary: Position | null;
  readonly secondary: Position | null;
}

/**
 * Differences between two stores, `primary` being the truth and `secondary` the copy. Ledger entries and ticks
 * are matched by content (`ledgerKey`, `tickKey`) as multisets, never by id.
 */
export interface ConsistencyReport {
  /** Nothing differs in what was compared. */
  readonly consistent: boolean;
  readonly positions: readonly PositionDifference[];
  readonly ledger: {
    /** In the primary, not in the secondary (as many times as they are missing). */
    readonly missingInSecondary: readonly LedgerEntry[];
    /** In the secondary, not in the primary. */
    readonly extraInSecondary: readonly LedgerEntry[];
  };
  /** `symbol interval` pairs whose bars read differently from the two stores (only for `scope.symbols`). */
  readonly bars: readonly string[];
  /** Tick counts (only for `scope.symbols`). */
  readonly ticks: { readonly missingInSecondary: number; readonly extraInSecondary: number };
}

export interface DiffScope {
  /** Window `[start, end)` of the ledger, bars and ticks compared (default: all of it). */
  start?: Date | undefined;
  end?: Date | undefined;
  /** Symbols whose bars and ticks are compared (default none: positions and the ledger only). */
  symbols?: readonly string[] | undefined;
  /** Bar intervals compared (default all). */
  intervals?: readonly Interval[] | undefined;
  /** Called after each symbol's bars and ticks are compared. */
  onSymbol?: ((done: number, total: number, symbol: string) => void) | undefined;
}

/**
 * The one comparison of two stores: positions (qty, avgPrice; `updatedAt` is each store's own clock), the whole
 * ledger in the window, and for `scope.symbols` the bars of every interval as each store serves them and the
 * ticks. Used by `HybridAdapter.verifyConsistency()` / `repair()` and by `syncDataSources` verification.
 */
export async function diffStores(
  primary: DataSourceAdapter,
  secondary: DataSourceAdapter,
  scope: DiffScope = {},
): Promise<ConsistencyReport> {
  const window = { start: scope.start, end: scope.end };
  const [pp, sp, pl, sl] = await Promise.all([
    primary.fetchPositions(),
    secondary.fetchPositions(),
    fetchAllLedger(primary, window),
    fetchAllLedger(secondary, window),
  ]);
  const positions = positionDifferences(pp, sp);
  const missingInSecondary = multisetMinus(pl, sl, ledgerKey);
  const extraInSecondary = multisetMinus(sl, pl, ledgerKey);

  const bars: string[] = [];
  const ticks = { missingInSecondary: 0, extraInSecondary: 0 };
  const symbols = scope.symbols ?? [];
  if (symbols.length > 0) {
    const start = scope.start ?? new Date(0);
    const end = scope.end ?? new Date(Date.UTC(9999, 11, 31));
    for (const [i, symbol] of symbols.entries()) {
      for (const iv of scope.intervals ?? INTERVALS) {
        const [a, b] = await Promise.all([
          primary.fetchOhlcv(symbol, start, end, iv),
          secondary.fetchOhlcv(symbol, start, end, iv),
        ]);
        if (!sameBars(a, b)) bars.push(`${symbol} ${iv}`);
      }
      const [a, b] = await Promise.all([
        primary.fetchTickData(symbol, start, end),
        secondary.fetchTickData(symbol, start, end),
      ]);
      ticks.missingInSecondary += multisetMinus(a, b, tickKey).length;
      ticks.extraInSecondary += multisetMinus(b, a, tickKey).length;
      scope.onSymbol?.(i + 1, symbols.length, symbol);
    }
  }
  return Object.freeze({
    consistent:
      positions.length === 0 &&
      missingInSecondary.length === 0 &&
      extraInSecondary.length === 0 &&
      bars.length === 0 &&
      ticks.missingInSecondary === 0 &&
      ticks.extraInSecondary === 0,
    positions: Object.freeze(positions),
    ledger: Object.freeze({
      missingInSecondary: Object.freeze(missingInSecondary),
      extraInSecondary: Object.freeze(extraInSecondary),
    }),
    bars: Object.freeze(bars),
    ticks: Object.freeze(ticks),
  });
}

function positionDifferences(
  primary: readonly Position[],
  secondary: readonly Position[],
): PositionDifference[] {
  const bySymbol = new Map<string, { primary: Position | null; secondary: Position | null }>();
  for (const p of primary) bySymbol.set(p.symbol, { primary: p, secondary: null });
  for (const s of secondary)
    bySymbol.set(s.symbol, { primary: bySymbol.get(s.symbol)?.primary ?? null, secondary: s });
  return [...bySymbol.entries()]
    .filter(([, v]) => !samePosition(v.primary, v.secondary))
    .map(([symbol, v]) => Object.freeze({ symbol, ...v }))
    .sort((a, b) => compareStrings(a.symbol, b.symbol));
}

function barText(b: OHLCV): string {
  return [
    b.time.toISOString(),
    b.symbol,
    ...[b.open, b.high, b.low, b.close].map(decimalToPlain),
    b.volume,
  ].join(" ");
}

/** Same bars, field for field (decimals in plain notation), in the same order. */
export function sameBars(a: readonly OHLCV[], b: readonly OHLCV[]): boolean {
  return a.length === b.length && a.every((bar, i) => barText(bar) === barText(b[i] as OHLCV));
}
