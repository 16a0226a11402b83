import { decimalToPlain } from "./decimal.js";
import { ValidationError } from "./errors.js";
import { type LedgerEntry, ledgerEntry, type Side } from "./records/ledger.js";
import { type OHLCV, ohlcv } from "./records/ohlcv.js";
import { type Position, position } from "./records/position.js";
import { type TickData, tick } from "./records/tick.js";

/**
 * String-map codecs: every record ↔ a flat `Record<string, string>` with decimals in plain notation
 * (`toFixed()`, never exponent) and times as ISO 8601 (`null` as ""). These are the one encoding used for
 * Redis hashes and Sheets rows. Decoders validate like the factories and throw `ValidationError`.
 */

export type StringHash = Record<string, string>;

/** Field order of each record's hash (also the header row of its Sheets tab). */
export const POSITION_FIELDS = Object.freeze([
  "symbol",
  "qty",
  "avgPrice",
  "market",
  "exposureValue",
  "exposurePct",
  "unrealizedPnl",
  "updatedAt",
  "realizedPnl",
  "version",
] as const);
export const LEDGER_FIELDS = Object.freeze([
  "id",
  "timestamp",
  "symbol",
  "side",
  "qty",
  "price",
  "amount",
  "fee",
  "strategyTag",
  "orderId",
  "broker",
  "fillId",
] as const);
export const OHLCV_FIELDS = Object.freeze([
  "time",
  "symbol",
  "open",
  "high",
  "low",
  "close",
  "volume",
] as const);
export const TICK_FIELDS = Object.freeze([
  "time",
  "symbol",
  "price",
  "volume",
  "bid",
  "ask",
  "source",
] as const);

function iso(date: Date | null): string {
  return date === null ? "" : date.toISOString();
}

function field(hash: unknown, name: string, required = true): string | undefined {
  if (typeof hash !== "object" || hash === null) throw new ValidationError("hash", hash, "must be an object");
  const v = (hash as Record<string, unknown>)[name];
  if (v === undefined || v === null) {
    if (required) throw new ValidationError(name, v, "is missing");
    return undefined;
  }
  if (typeof v !== "string") throw new ValidationError(name, v, "must be a string");
  return v;
}

function optionalField(hash: unknown, name: string): string | undefined {
  const v = field(hash, name, false);
  return v === "" ? undefined : v;
}

export function positionToHash(p: Position): StringHash {
  return {
    symbol: p.symbol,
    qty: decimalToPlain(p.qty),
    avgPrice: decimalToPlain(p.avgPrice),
    market: p.market,
    exposureValue: decimalToPlain(p.exposureValue),
    exposurePct: decimalToPlain(p.exposurePct),
    unrealizedPnl: decimalToPlain(p.unrealizedPnl),
    updatedAt: iso(p.updatedAt),
    realizedPnl: decimalToPlain(p.realizedPnl),
    version: String(p.version),
  };
}

/**
 * Decodes a cached position; a hash missing `symbol`, `qty` or `avgPrice`, or with a bad value, throws.
 * `realizedPnl` and `version` may be absent or "" (hashes written before they existed): they decode as 0.
 */
export function positionFromHash(hash: Readonly<StringHash>): Position {
  return position({
    symbol: field(hash, "symbol")!,
    qty: field(hash, "qty")!,
    avgPrice: field(hash, "avgPrice")!,
    market: field(hash, "market", false) ?? "",
    exposureValue: optionalField(hash, "exposureValue") ?? "0",
    exposurePct: optionalField(hash, "exposurePct") ?? "0",
    unrealizedPnl: optionalField(hash, "unrealizedPnl") ?? "0",
    updatedAt: optionalField(hash, "updatedAt") ?? null,
    realizedPnl: optionalField(hash, "realizedPnl") ?? "0",
    version: versionField(hash),
  });
}

function versionField(hash: unknown): number {
  const text = optionalField(hash, "version");
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw new ValidationError("version", text, "must be a non-negative integer");
  return Number(text);
}

export function ledgerEntryToHash(e: LedgerEntry): StringHash {
  return {
    id: e.id === null ? "" : String(e.id),
    timestamp: e.timestamp.toISOString(),
    symbol: e.symbol,
    side: e.side,
    qty: decimalToPlain(e.qty),
    price: decimalToPlain(e.price),
    amount: decimalToPlain(e.amount),
    fee: decimalToPlain(e.fee),
    strategyTag: e.strategyTag,
    orderId: e.orderId,
    broker: e.broker,
    fillId: e.fillId ?? "",
  };
}

export function ledgerEntryFromHash(hash: Readonly<StringHash>): LedgerEntry {
  const id = optionalField(hash, "id");
  if (id !== undefined && !/^\d+$/.test(id))
    throw new ValidationError("id", id, "must be a positive integer");
  return ledgerEntry({
    id: id === undefined ? null : Number(id),
    timestamp: field(hash, "timestamp")!,
    symbol: field(hash, "symbol")!,
    side: field(hash, "side") as Side,
    qty: field(hash, "qty")!,
    price: field(hash, "price")!,
    amount: field(hash, "amount")!,
    fee: optionalField(hash, "fee") ?? "0",
    strategyTag: field(hash, "strategyTag", false) ?? "",
    orderId: field(hash, "orderId", false) ?? "",
    broker: field(hash, "broker", false) ?? "",
    fillId: optionalField(hash, "fillId") ?? null,
  });
}

export function ohlcvToHash(b: OHLCV): StringHash {
  return {
    time: b.time.toISOString(),
    symbol: b.symbol,
    open: decimalToPlain(b.open),
    high: decimalToPlain(b.high),
    low: decimalToPlain(b.low),
    close: decimalToPlain(b.close),
    volume: String(b.volume),
  };
}

export function ohlcvFromHash(hash: Readonly<StringHash>): OHLCV {
  return ohlcv({
    time: field(hash, "time")!,
    symbol: field(hash, "symbol")!,
    open: field(hash, "open")!,
    high: field(hash, "high")!,
    low: field(hash, "low")!,
    close: field(hash, "close")!,
    volume: field(hash, "volume")!,
  });
}

export function tickToHash(t: TickData): StringHash {
  return {
    time: t.time.toISOString(),
    symbol: t.symbol,
    price: decimalToPlain(t.price),
    volume: String(t.volume),
    bid: t.bid === null ? "" : decimalToPlain(t.bid),
    ask: t.ask === null ? "" : decimalToPlain(t.ask),
    source: t.source,
  };
}

export function tickFromHash(hash: Readonly<StringHash>): TickData {
  return tick({
    time: field(hash, "time")!,
    symbol: field(hash, "symbol")!,
    price: field(hash, "price")!,
    volume: field(hash, "volume")!,
    bid: optionalField(hash, "bid") ?? null,
    ask: optionalField(hash, "ask") ?? null,
    source: field(hash, "source", false) ?? "",
  });
}
