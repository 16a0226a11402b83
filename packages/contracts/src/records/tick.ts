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

/** Ticks this factory made (frozen): passing one back in returns it without validating it again. */
const issued = new WeakSet<object>();

/**
 * Validates a tick; the result is frozen. A tick this function returned earlier is returned as is (bulk
 * writers call it on every record they get, and most records already came from here), unless its `time`
 * was since set to an invalid date through the mutable `Date`.
 */
export function tick(input: TickDataInput): TickData {
  if (issued.has(input) && !Number.isNaN((input as TickData).time.getTime())) return input as TickData;
  const raw = requireObject(input, "tick");
  const made: TickData = Object.freeze({
    time: validateDate(raw.time, "time"),
    symbol: validateSymbol(raw.symbol),
    price: toNonNegativeDecimal(raw.price, "price"),
    volume: validateVolume(raw.volume),
    bid: optionalPrice(raw.bid, "bid"),
    ask: optionalPrice(raw.ask, "ask"),
    source: validateText(raw.source, "source"),
  });
  issued.add(made);
  return made;
}
