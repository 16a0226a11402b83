import { type Decimal, type DecimalInput, toNonNegativeDecimal } from "../decimal.js";
import { requireObject, validateDate, validateSymbol, validateText, validateVolume } from "../validation.js";

/** One trade print or quote. */
export interface TickData {
  readonly time: Date;
  readonly symbol: string;
  readonly price: Decimal;
  readonly volume: number;
  readonly bid: Decimal | null;
  readonly ask: Decimal | null;
  readonly source: string;
}

export interface TickDataInput {
  time: Date | string | number;
  symbol: string;
  price: DecimalInput;
  volume: number | string | bigint;
  bid?: DecimalInput | null | undefined;
  ask?: DecimalInput | null | undefined;
  source?: string | undefined;
}

function optionalPrice(value: unknown, field: string): Decimal | null {
  return value === null || value === undefined ? null : toNonNegativeDecimal(value, field);
}

/** Validates a tick; the result is frozen. */
export function tick(input: TickDataInput): TickData {
  const raw = requireObject(input, "tick");
  return Object.freeze({
    time: validateDate(raw.time, "time"),
    symbol: validateSymbol(raw.symbol),
    price: toNonNegativeDecimal(raw.price, "price"),
    volume: validateVolume(raw.volume),
    bid: optionalPrice(raw.bid, "bid"),
    ask: optionalPrice(raw.ask, "ask"),
    source: validateText(raw.source, "source"),
  });
}
