import { type Decimal, type DecimalInput, toNonNegativeDecimal } from "../decimal.js";
import { ValidationError } from "../errors.js";
import { requireObject, validateDate, validateSymbol, validateVolume } from "../validation.js";

/** One bar. Its interval is not part of the record: it is given with the read or write. */
export interface OHLCV {
  readonly time: Date;
  readonly symbol: string;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: number;
}

export interface OHLCVInput {
  time: Date | string | number;
  symbol: string;
  open: DecimalInput;
  high: DecimalInput;
  low: DecimalInput;
  close: DecimalInput;
  volume: number | string | bigint;
}

/** Bars this factory made (frozen): passing one back in returns it without validating it again. */
const issued = new WeakSet<object>();

/** Validates a bar: prices >= 0, `low <= min(open, close)`, `high >= max(open, close)`, `low <= high`. */
export function ohlcv(input: OHLCVInput): OHLCV {
  if (issued.has(input) && !Number.isNaN((input as OHLCV).time.getTime())) return input as OHLCV;
  const raw = requireObject(input, "ohlcv");
  const open = toNonNegativeDecimal(raw.open, "open");
  const high = toNonNegativeDecimal(raw.high, "high");
  const low = toNonNegativeDecimal(raw.low, "low");
  const close = toNonNegativeDecimal(raw.close, "close");
  if (low.gt(high)) throw new ValidationError("low", raw.low, `must be <= high (${high.toFixed()})`);
  if (low.gt(open) || low.gt(close)) {
    throw new ValidationError("low", raw.low, `must be <= min(open, close) (${decimalMin(open, close)})`);
  }
  if (high.lt(open) || high.lt(close)) {
    throw new ValidationError("high", raw.high, `must be >= max(open, close) (${decimalMax(open, close)})`);
  }
  const made: OHLCV = Object.freeze({
    time: validateDate(raw.time, "time"),
    symbol: validateSymbol(raw.symbol),
    open,
    high,
    low,
    close,
    volume: validateVolume(raw.volume),
  });
  issued.add(made);
  return made;
}

function decimalMin(a: Decimal, b: Decimal): string {
  return (a.lt(b) ? a : b).toFixed();
}

function decimalMax(a: Decimal, b: Decimal): string {
  return (a.gt(b) ? a : b).toFixed();
}
