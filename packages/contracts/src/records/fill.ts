import { Decimal, type DecimalInput, toNonNegativeDecimal, toPositiveDecimal } from "../decimal.js";
import { requireObject, validateDate, validateSymbol, validateText } from "../validation.js";
import { validateFillId } from "./fill-id.js";
import { type LedgerEntry, ledgerEntry, type Side, validateSide } from "./ledger.js";
import type { Position } from "./position.js";

export { MAX_FILL_ID_LENGTH, validateFillId } from "./fill-id.js";

/** One execution reported by a broker, identified by its `fillId`. Booked with `DataSourceAdapter.applyFill`. */
export interface Fill {
  readonly fillId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: Decimal;
  readonly price: Decimal;
  readonly fee: Decimal;
  readonly timestamp: Date;
  readonly strategyTag: string;
  readonly broker: string;
}

export interface FillInput {
  fillId: string;
  orderId?: string | undefined;
  symbol: string;
  side: Side;
  qty: DecimalInput;
  price: DecimalInput;
  fee?: DecimalInput | undefined;
  timestamp: Date | string | number;
  strategyTag?: string | undefined;
  broker?: string | undefined;
}

/** What `applyFill` resolves with: the position after the fill, its ledger entry, and whether it was booked before. */
export interface FillResult {
  readonly position: Position;
  readonly entry: LedgerEntry;
  /** True when `fillId` was already booked: nothing changed, `entry` is the stored one. */
  readonly duplicate: boolean;
}

/** Validates and normalises a fill (qty > 0, price >= 0, fee >= 0, fillId 1..128 chars); the result is frozen. */
export function fill(input: FillInput): Fill {
  const raw = requireObject(input, "fill");
  return Object.freeze({
    fillId: validateFillId(raw.fillId),
    orderId: validateText(raw.orderId, "orderId"),
    symbol: validateSymbol(raw.symbol),
    side: validateSide(raw.side),
    qty: toPositiveDecimal(raw.qty, "qty"),
    price: toNonNegativeDecimal(raw.price, "price"),
    fee: toNonNegativeDecimal(raw.fee ?? 0, "fee"),
    timestamp: validateDate(raw.timestamp, "timestamp"),
    strategyTag: validateText(raw.strategyTag, "strategyTag"),
    broker: validateText(raw.broker, "broker"),
  });
}

const Exact = Decimal.clone({ precision: 1e9 });

/** The ledger entry a fill books: `amount = qty × price` exactly, `fillId` carried, `id` null until stored. */
export function ledgerEntryFromFill(f: Fill): LedgerEntry {
  const v = fill(f);
  return ledgerEntry({
    timestamp: v.timestamp,
    symbol: v.symbol,
    side: v.side,
    qty: v.qty,
    price: v.price,
    amount: new Decimal(new Exact(v.qty).times(v.price)),
    fee: v.fee,
    strategyTag: v.strategyTag,
    orderId: v.orderId,
    broker: v.broker,
    fillId: v.fillId,
  });
}

/** The fields whose difference makes a second fill with a booked `fillId` a conflict rather than a duplicate. */
export const FILL_IDENTITY_FIELDS = Object.freeze(["symbol", "side", "qty", "price"] as const);

/**
 * The identity fields (symbol, side, qty, price) in which `f` differs from the stored entry of its `fillId`;
 * empty when `f` is a true duplicate. Decimals are compared by value (`1.50` equals `1.5`).
 */
export function fillConflicts(f: Fill, stored: LedgerEntry): string[] {
  const out: string[] = [];
  if (f.symbol !== stored.symbol) out.push("symbol");
  if (f.side !== stored.side) out.push("side");
  if (!f.qty.eq(stored.qty)) out.push("qty");
  if (!f.price.eq(stored.price)) out.push("price");
  return out;
}

/** The fill an entry booked by `applyFill` came from (fee, tags and ids included); the entry must carry a fillId. */
export function fillFromLedgerEntry(e: LedgerEntry): Fill {
  return fill({
    fillId: e.fillId as string,
    orderId: e.orderId,
    symbol: e.symbol,
    side: e.side,
    qty: e.qty,
    price: e.price,
    fee: e.fee,
    timestamp: e.timestamp,
    strategyTag: e.strategyTag,
    broker: e.broker,
  });
}
