import {
  ConflictError,
  type DataSourceAdapter,
  type Decimal,
  type Fill,
  type FillResult,
  type Interval,
  type LedgerEntry,
  MAX_LEDGER_LIMIT,
  type OHLCV,
  type Position,
  type TickData,
  ValidationError,
} from "@qts/contracts";
import { copyPosition, ledgerKey, tickKey } from "../replication/content.js";

/** A write the secondary still has to apply. */
export type SecondaryOp =
  | { readonly kind: "position"; readonly symbol: string; readonly qty: Decimal; readonly avgPrice: Decimal }
  | { readonly kind: "putPosition"; readonly position: Position }
  | { readonly kind: "ledger"; readonly entry: LedgerEntry }
  /**
   * A fill: mirrored from the primary's result (null when the primary rejected it), idempotent by fillId.
   * `fill` is absent when the op comes from a store's outbox (the booked result carries the fillId).
   */
  | {
      readonly kind: "fill";
      readonly fill?: Fill | undefined;
      /** The fill's symbol when `fill` is absent (known from the booked result). */
      readonly symbol?: string | undefined;
      readonly booked: Promise<FillResult | null>;
    }
  | { readonly kind: "ohlcv"; readonly bars: readonly OHLCV[]; readonly interval: Interval }
  | { readonly kind: "ticks"; readonly ticks: readonly TickData[] };

/** A write the primary accepted, queued for the secondary. */
export interface QueuedOp {
  readonly op: SecondaryOp;
  /** Failed attempts so far: a retried write may have landed before it failed. */
  attempts: number;
  /** A fill whose ledger row the secondary confirmed: a later pass does not send it again. */
  entryLanded?: boolean;
  /** When it last failed (`performance.now()`), and how long its lane then waits before trying it again. */
  failedAt?: number | undefined;
  retryAfterMs?: number | undefined;
}

/**
 * Applies one queued op (a write the primary already accepted) to the secondary. With `checkLanded` (a retry,
 * or a write queued behind one) a ledger or tick write first checks what already landed (an earlier attempt of
 * it, or of an identical write, may have been applied before it failed): it is applied only while the
 * secondary holds fewer identical records than the primary. Otherwise it is applied as is.
 */
export async function applyOp(
  op: SecondaryOp,
  primary: DataSourceAdapter,
  secondary: DataSourceAdapter,
  checkLanded: boolean,
): Promise<void> {
  switch (op.kind) {
    case "position":
      await secondary.updatePosition(op.symbol, op.qty, op.avgPrice);
      return;
    case "putPosition":
      await copyPosition(secondary, op.position);
      return;
    case "ohlcv":
      await secondary.appendOhlcv(op.bars, op.interval);
      return;
    case "fill": {
      const booked = await op.booked;
      if (booked === null) return;
      await secondary.appendLedger(booked.entry).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error; // the fillId is there already: an earlier attempt landed
      });
      await copyPosition(secondary, booked.position);
      return;
    }
    case "ledger": {
      if (checkLanded) {
        const q = {
          symbol: op.entry.symbol,
          start: op.entry.timestamp,
          end: new Date(op.entry.timestamp.getTime() + 1),
          limit: MAX_LEDGER_LIMIT,
        };
        const key = ledgerKey(op.entry);
        const [inPrimary, inSecondary] = await Promise.all([
          primary.fetchLedger(q),
          secondary.fetchLedger(q),
        ]);
        const count = (list: LedgerEntry[]) => list.filter((e) => ledgerKey(e) === key).length;
        if (count(inSecondary) >= count(inPrimary)) return;
      }
      await secondary.appendLedger(op.entry);
      return;
    }
    case "ticks": {
      const ticks = checkLanded ? await ticksStillMissing(op.ticks, primary, secondary) : op.ticks;
      if (ticks.length > 0) await secondary.appendTicks(ticks);
      return;
    }
  }
}

/** Ticks of `batch` the secondary lacks compared with the primary (per symbol, over the batch's time span). */
async function ticksStillMissing(
  batch: readonly TickData[],
  primary: DataSourceAdapter,
  secondary: DataSourceAdapter,
): Promise<TickData[]> {
  const bySymbol = new Map<string, TickData[]>();
  for (const t of batch) {
    const list = bySymbol.get(t.symbol);
    if (list) list.push(t);
    else bySymbol.set(t.symbol, [t]);
  }
  const out: TickData[] = [];
  for (const [symbol, ticks] of bySymbol) {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const t of ticks) {
      const ms = t.time.getTime();
      if (ms < first) first = ms;
      if (ms > last) last = ms;
    }
    const start = new Date(first);
    const end = new Date(last + 1);
    const [p, s] = await Promise.all([
      primary.fetchTickData(symbol, start, end),
      secondary.fetchTickData(symbol, start, end),
    ]);
    const need = new Map<string, number>();
    for (const t of p) need.set(tickKey(t), (need.get(tickKey(t)) ?? 0) + 1);
    for (const t of s) need.set(tickKey(t), (need.get(tickKey(t)) ?? 0) - 1);
    for (const t of ticks) {
      const n = need.get(tickKey(t)) ?? 0;
      if (n > 0) {
        out.push(t);
        need.set(tickKey(t), n - 1);
      }
    }
  }
  return out;
}

/** A write the secondary can never accept (it rejected it as invalid): retrying is pointless. */
export function isPermanent(error: unknown): boolean {
  return error instanceof ValidationError;
}
