import { type Decimal, decimalToPlain, toDecimal } from "./decimal.js";
import { ValidationError } from "./errors.js";
import type { TickData } from "./records/tick.js";
import { validateDate, validateVolume } from "./validation.js";

/**
 * A real-time price as `CacheManager.pushPrice` caches it (`price:SYMBOL`). `timestamp` is when it was pushed
 * (epoch ms): `getPriceChecked` measures staleness from it; `time` is the market time of the quote.
 */
export interface PriceQuote {
  readonly price: Decimal;
  readonly bid: Decimal | null;
  readonly ask: Decimal | null;
  readonly volume: number;
  readonly time: Date;
  readonly timestamp: number;
}

/** The quote of a tick, pushed at `pushedAtMs` (epoch ms). */
export function priceQuoteFromTick(t: TickData, pushedAtMs: number): PriceQuote {
  if (!Number.isFinite(pushedAtMs))
    throw new ValidationError("timestamp", pushedAtMs, "must be epoch milliseconds");
  return Object.freeze({
    price: t.price,
    bid: t.bid,
    ask: t.ask,
    volume: t.volume,
    time: t.time,
    timestamp: pushedAtMs,
  });
}

/** The cached hash of a quote: plain decimal strings, `time` ISO 8601, `timestamp` epoch ms; no bid/ask field when absent. */
export function priceToHash(q: PriceQuote): Record<string, string> {
  const h: Record<string, string> = {
    price: decimalToPlain(q.price),
    volume: String(q.volume),
    time: q.time.toISOString(),
    timestamp: String(q.timestamp),
  };
  if (q.bid !== null) h.bid = decimalToPlain(q.bid);
  if (q.ask !== null) h.ask = decimalToPlain(q.ask);
  return h;
}

const EPOCH_MS = /^\d{1,16}$/;

/** The quote of a cached hash; a field that does not decode is a `ValidationError` naming it. */
export function priceFromHash(h: Readonly<Record<string, string>>): PriceQuote {
  const raw = (name: string): string => {
    const v = h[name];
    if (typeof v !== "string" || v === "") throw new ValidationError(name, v, "is missing");
    return v;
  };
  const optional = (name: string): Decimal | null => {
    const v = h[name];
    return v === undefined || v === "" ? null : toDecimal(v, name);
  };
  const ts = raw("timestamp");
  if (!EPOCH_MS.test(ts)) throw new ValidationError("timestamp", ts, "must be epoch milliseconds");
  return Object.freeze({
    price: toDecimal(raw("price"), "price"),
    bid: optional("bid"),
    ask: optional("ask"),
    volume: validateVolume(Number(raw("volume"))),
    time: validateDate(raw("time"), "time"),
    timestamp: Number(ts),
  });
}
