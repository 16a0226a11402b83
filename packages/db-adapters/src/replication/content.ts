import {
  type DataSourceAdapter,
  DataSourceError,
  decimalToPlain,
  isPositionWriter,
  type LedgerEntry,
  MAX_LEDGER_LIMIT,
  type Position,
  type TickData,
} from "@qts/contracts";

/**
 * Store-independent identity of records. Ledger ids are assigned by each store, so entries are matched by
 * content: timestamp, symbol, side, qty, price, amount, fee, strategyTag, orderId and broker (decimals in
 * plain notation). Two identical entries are two entries: comparisons are multisets.
 */
export function ledgerKey(e: LedgerEntry): string {
  return [
    e.timestamp.toISOString(),
    e.symbol,
    e.side,
    decimalToPlain(e.qty),
    decimalToPlain(e.price),
    decimalToPlain(e.amount),
    decimalToPlain(e.fee),
    e.strategyTag,
    e.orderId,
    e.broker,
  ].join("\u0000");
}

/** Ticks are an append-only log: identical (time, symbol, price, volume, bid, ask, source) are duplicates. */
export function tickKey(t: TickData): string {
  return [
    t.time.toISOString(),
    t.symbol,
    decimalToPlain(t.price),
    String(t.volume),
    t.bid === null ? "" : decimalToPlain(t.bid),
    t.ask === null ? "" : decimalToPlain(t.ask),
    t.source,
  ].join("\u0000");
}

/** Positions are equal when what `updatePosition` writes (qty, avgPrice) is equal; `updatedAt` is per store. */
export function samePosition(a: Position | null | undefined, b: Position | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.qty.eq(b.qty) && a.avgPrice.eq(b.avgPrice);
}

/** Items of `a` not matched one-for-one by an item of `b` with the same key (multiset difference a − b). */
export function multisetMinus<T>(a: readonly T[], b: readonly T[], key: (item: T) => string): T[] {
  const remaining = new Map<string, number>();
  for (const item of b) remaining.set(key(item), (remaining.get(key(item)) ?? 0) + 1);
  const out: T[] = [];
  for (const item of a) {
    const k = key(item);
    const n = remaining.get(k) ?? 0;
    if (n > 0) remaining.set(k, n - 1);
    else out.push(item);
  }
  return out;
}

/**
 * Every ledger entry matching `q` (newest first), paging past the 10000-row limit of `fetchLedger` by
 * timestamp. Fails only if more than 10000 entries share one millisecond.
 */
export async function fetchAllLedger(
  adapter: DataSourceAdapter,
  q: { symbol?: string | undefined; start?: Date | undefined; end?: Date | undefined } = {},
): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let end = q.end;
  for (;;) {
    const page = await adapter.fetchLedger({ ...q, end, limit: MAX_LEDGER_LIMIT });
    if (page.length < MAX_LEDGER_LIMIT) return out.concat(page);
    const oldest = page[page.length - 1]?.timestamp.getTime() ?? 0;
    const newer = page.filter((e) => e.timestamp.getTime() > oldest);
    if (newer.length === 0) {
      throw new DataSourceError(
        `${adapter.name}: more than ${MAX_LEDGER_LIMIT} ledger entries share one millisecond`,
        {
          source: adapter.name,
        },
      );
    }
    out.push(...newer);
    end = new Date(oldest + 1);
  }
}

/** Copies a position: every field where the target can take it, else qty and avgPrice. */
export async function copyPosition(target: DataSourceAdapter, p: Position): Promise<void> {
  if (isPositionWriter(target)) await target.putPosition(p);
  else await target.updatePosition(p.symbol, p.qty, p.avgPrice);
}
