import {
  applyFillToPosition,
  type DataSourceAdapter,
  fill,
  type LedgerEntry,
  type Position,
} from "@qts/contracts";

/** `fetchLedger` returns at most this many entries per call. */
export const LEDGER_PAGE = 10_000;

/**
 * Every ledger entry of `symbol` with the given strategy tag, oldest first. Pages backwards through time
 * (newest first, `end` = the oldest timestamp seen + 1 ms, de-duplicated by id) so sessions of any size fit
 * within the 10 000-per-call limit.
 */
export async function fetchRunLedger(
  db: DataSourceAdapter,
  symbol: string,
  tag: string,
): Promise<LedgerEntry[]> {
  const seen = new Set<number>();
  const out: LedgerEntry[] = [];
  let end: Date | undefined;
  for (;;) {
    const page = await db.fetchLedger(
      end === undefined ? { symbol, limit: LEDGER_PAGE } : { symbol, end, limit: LEDGER_PAGE },
    );
    let fresh = 0;
    for (const e of page) {
      const key = e.id ?? -1;
      if (e.id !== null && seen.has(key)) continue;
      if (e.id !== null) seen.add(key);
      fresh += 1;
      if (e.strategyTag === tag) out.push(e);
    }
    if (page.length < LEDGER_PAGE || fresh === 0) break;
    const oldest = page[page.length - 1]!.timestamp.getTime();
    end = new Date(oldest + 1);
  }
  // Newest-first pages reversed: ascending (timestamp, id).
  return out.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime() || (a.id ?? 0) - (b.id ?? 0));
}

export interface PositionCheck {
  readonly symbol: string;
  readonly ledgerFills: number;
  readonly expected: { qty: string; avgPrice: string };
  readonly db: { qty: string; avgPrice: string } | null;
  readonly cache: { qty: string; avgPrice: string } | null;
  readonly ok: boolean;
}

function plain(b: Position | null): { qty: string; avgPrice: string } | null {
  return b === null ? null : { qty: b.qty.toFixed(), avgPrice: b.avgPrice.toFixed() };
}

function same(a: Position | null, b: Position | null): boolean {
  if (a === null || b === null) return (a?.qty.isZero() ?? true) && (b?.qty.isZero() ?? true);
  return a.qty.eq(b.qty) && a.avgPrice.eq(b.avgPrice);
}

/** A ledger entry as the fill it books (entries written before fill ids existed get one from their id). */
function asFill(e: LedgerEntry) {
  return fill({ ...e, fillId: e.fillId ?? `ledger-${e.id}` });
}

/**
 * Recomputes each symbol's position from its starting position and this run's ledger entries (the fold of
 * `applyFillToPosition` of `@qts/contracts`), and compares it with what the store and the cache hold now.
 */
export async function checkPositions(
  db: DataSourceAdapter,
  readCached: (symbol: string) => Promise<Position | null>,
  symbols: readonly string[],
  startBooks: ReadonlyMap<string, Position | null>,
  tag: string,
): Promise<{ checks: PositionCheck[]; ledgerFills: number; duplicateFillIds: number }> {
  const checks: PositionCheck[] = [];
  let total = 0;
  const fillIds = new Set<string>();
  let duplicateFillIds = 0;
  for (const symbol of symbols) {
    const entries = await fetchRunLedger(db, symbol, tag);
    total += entries.length;
    for (const e of entries) {
      if (e.fillId === null) continue;
      if (fillIds.has(e.fillId)) duplicateFillIds += 1;
      fillIds.add(e.fillId);
    }
    let book = startBooks.get(symbol) ?? null;
    for (const e of entries) book = applyFillToPosition(book, asFill(e));
    const stored = await db.fetchPosition(symbol);
    const cached = await readCached(symbol);
    const untouched = entries.length === 0 && stored === null;
    const ok = untouched || (same(book, stored) && same(book, cached));
    checks.push({
      symbol,
      ledgerFills: entries.length,
      expected: plain(book) ?? { qty: "0", avgPrice: "0" },
      db: plain(stored),
      cache: plain(cached),
      ok,
    });
  }
  return { checks, ledgerFills: total, duplicateFillIds };
}
