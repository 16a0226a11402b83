import { type Decimal, type DecimalInput, toNonNegativeDecimal, toPositiveDecimal } from "../decimal.js";
import { ValidationError } from "../errors.js";
import { requireObject, validateDate, validateSymbol, validateText } from "../validation.js";
import { validateFillId } from "./fill-id.js";

export const Side = Object.freeze({ BUY: "BUY", SELL: "SELL" } as const);
export type Side = (typeof Side)[keyof typeof Side];

/** One executed trade. `id` is assigned by the store (null before it is stored). */
export interface LedgerEntry {
  readonly timestamp: Date;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: Decimal;
  readonly price: Decimal;
  readonly amount: Decimal;
  readonly fee: Decimal;
  readonly strategyTag: string;
  readonly orderId: string;
  readonly broker: string;
  readonly id: number | null;
  /** The broker's execution id when the entry was booked by `applyFill` (unique per store), else null. */
  readonly fillId: string | null;
}

export interface LedgerEntryInput {
  timestamp: Date | string | number;
  symbol: string;
  side: Side;
  qty: DecimalInput;
  price: DecimalInput;
  amount: DecimalInput;
  fee?: DecimalInput | undefined;
  strategyTag?: string | undefined;
  orderId?: string | undefined;
  broker?: string | undefined;
  id?: number | null | undefined;
  fillId?: string | null | undefined;
}

/** `"BUY"` or `"SELL"`, exactly. */
export function validateSide(value: unknown): Side {
  if (value !== Side.BUY && value !== Side.SELL)
    throw new ValidationError("side", value, 'must be "BUY" or "SELL"');
  return value;
}

function validateId(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" && /^\d+$/.test(value)) value = Number(value);
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError("id", value, "must be a positive safe integer or null");
  }
  return value;
}

/** Validates and normalises a ledger entry; the result is frozen. */
export function ledgerEntry(input: LedgerEntryInput): LedgerEntry {
  const raw = requireObject(input, "ledgerEntry");
  return Object.freeze({
    timestamp: validateDate(raw.timestamp, "timestamp"),
    symbol: validateSymbol(raw.symbol),
    side: validateSide(raw.side),
    qty: toPositiveDecimal(raw.qty, "qty"),
    price: toNonNegativeDecimal(raw.price, "price"),
    amount: toNonNegativeDecimal(raw.amount, "amount"),
    fee: toNonNegativeDecimal(raw.fee ?? 0, "fee"),
    strategyTag: validateText(raw.strategyTag, "strategyTag"),
    orderId: validateText(raw.orderId, "orderId"),
    broker: validateText(raw.broker, "broker"),
    id: validateId(raw.id),
    fillId: raw.fillId === null || raw.fillId === undefined ? null : validateFillId(raw.fillId),
  });
}

/** The same entry with a store-assigned id. */
export function withLedgerId(entry: LedgerEntry, id: number): LedgerEntry {
  return ledgerEntry({ ...entry, id });
}
