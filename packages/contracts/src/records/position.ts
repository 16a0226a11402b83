import { type Decimal, type DecimalInput, toDecimal, toNonNegativeDecimal } from "../decimal.js";
import { requireObject, validateOptionalDate, validateSymbol, validateText } from "../validation.js";

/** A holding in one symbol. `qty` may be negative (short); zero means flat. */
export interface Position {
  readonly symbol: string;
  readonly qty: Decimal;
  readonly avgPrice: Decimal;
  readonly market: string;
  readonly exposureValue: Decimal;
  readonly exposurePct: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly updatedAt: Date | null;
}

export interface PositionInput {
  symbol: string;
  qty: DecimalInput;
  avgPrice: DecimalInput;
  market?: string | undefined;
  exposureValue?: DecimalInput | undefined;
  exposurePct?: DecimalInput | undefined;
  unrealizedPnl?: DecimalInput | undefined;
  updatedAt?: Date | string | number | null | undefined;
}

/** Validates and normalises a position; the result is frozen. */
export function position(input: PositionInput): Position {
  const raw = requireObject(input, "position");
  return Object.freeze({
    symbol: validateSymbol(raw.symbol),
    qty: toDecimal(raw.qty, "qty"),
    avgPrice: toNonNegativeDecimal(raw.avgPrice, "avgPrice"),
    market: validateText(raw.market, "market"),
    exposureValue: toDecimal(raw.exposureValue ?? 0, "exposureValue"),
    exposurePct: toDecimal(raw.exposurePct ?? 0, "exposurePct"),
    unrealizedPnl: toDecimal(raw.unrealizedPnl ?? 0, "unrealizedPnl"),
    updatedAt: validateOptionalDate(raw.updatedAt, "updatedAt"),
  });
}

/** The validated arguments of `DataSourceAdapter.updatePosition`. */
export interface PositionUpdate {
  readonly symbol: string;
  readonly qty: Decimal;
  readonly avgPrice: Decimal;
}

/** Validates `updatePosition(symbol, qty, avgPrice)` arguments the same way `position()` does. */
export function positionUpdate(symbol: unknown, qty: unknown, avgPrice: unknown): PositionUpdate {
  return Object.freeze({
    symbol: validateSymbol(symbol),
    qty: toDecimal(qty, "qty"),
    avgPrice: toNonNegativeDecimal(avgPrice, "avgPrice"),
  });
}
