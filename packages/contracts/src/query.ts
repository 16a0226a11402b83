import { ValidationError } from "./errors.js";
import { queryBoundDate, validateInstant, validateIntegerInRange, validateSymbol } from "./validation.js";

/** A half-open time range `[start, end)`. */
export interface TimeRange {
  readonly start: Date;
  readonly end: Date;
}

/** Validates `[start, end)`; `start > end` is a `ValidationError`, `start == end` is an empty range. */
export function validateTimeRange(start: unknown, end: unknown): TimeRange {
  const s = validateInstant(start, "start");
  const e = validateInstant(end, "end");
  if (s > e) throw new ValidationError("start", start, `must be <= end (${new Date(e).toISOString()})`);
  return Object.freeze({ start: queryBoundDate(s), end: queryBoundDate(e) });
}

export interface LedgerQuery {
  symbol?: string | undefined;
  start?: Date | undefined;
  end?: Date | undefined;
  limit?: number | undefined;
}

export const DEFAULT_LEDGER_LIMIT = 100;
export const MAX_LEDGER_LIMIT = 10_000;

/** A ledger query with defaults applied and every field checked. */
export interface NormalizedLedgerQuery {
  readonly symbol: string | null;
  readonly start: Date | null;
  readonly end: Date | null;
  readonly limit: number;
}

export function normalizeLedgerQuery(query: LedgerQuery | undefined): NormalizedLedgerQuery {
  const q = query ?? {};
  if (typeof q !== "object" || q === null) throw new ValidationError("query", q, "must be an object");
  const symbol = q.symbol === undefined ? null : validateSymbol(q.symbol);
  const startMs = q.start === undefined ? null : validateInstant(q.start, "start");
  const endMs = q.end === undefined ? null : validateInstant(q.end, "end");
  if (startMs !== null && endMs !== null && startMs > endMs) {
    throw new ValidationError("start", q.start, `must be <= end (${new Date(endMs).toISOString()})`);
  }
  const start = startMs === null ? null : queryBoundDate(startMs);
  const end = endMs === null ? null : queryBoundDate(endMs);
  const limit =
    q.limit === undefined
      ? DEFAULT_LEDGER_LIMIT
      : validateIntegerInRange(q.limit, "limit", 1, MAX_LEDGER_LIMIT);
  return Object.freeze({ symbol, start, end, limit });
}
