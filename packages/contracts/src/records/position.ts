import { type Decimal, type DecimalInput, toDecimal, toNonNegativeDecimal } from "../decimal.js";
import {
  requireObject,
  validateOptionalDate,
  validateSymbol,
  validateText,
  validateVolume,
} from "../validation.js";

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
  /** Profit and loss realised by reducing or closing the position (fees excluded); exact. */
  readonly realizedPnl: Decimal;
  /** Writes booked into this position: +1 per `applyFill` and per `updatePosition`. */
  readonly version: number;
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
  realizedPnl?: DecimalInput | undefined;
  /** A non-negative safe integer (number or digit string); default 0. */
  version?: number | string | undefined;
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
    realizedPnl: toDecimal(raw.realizedPnl ?? 0, "realizedPnl"),
    version: validateVolume(raw.version ?? 0, "version"),
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
