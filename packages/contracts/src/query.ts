import { ValidationError } from "./errors.js";
import { validateDate, validateIntegerInRange, validateSymbol } from "./validation.js";

/** A half-open time range `[start, end)`. */
export interface TimeRange {
  readonly start: Date;
  readonly end: Date;
}

/** Validates `[start, end)`; `start > end` is a `ValidationError`, `start == end` is an empty range. */
export function validateTimeRange(start: unknown, end: unknown): TimeRange {
  const s = validateDate(start, "start");
  const e = validateDate(end, "end");
  if (s.getTime() > e.getTime())
    throw new ValidationError("start", start, `must be <= end (${e.toISOString()})`);
  return Object.freeze({ start: s, end: e });
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
  const start = q.start === undefined ? null : validateDate(q.start, "start");
  const end = q.end === undefined ? null : validateDate(q.end, "end");
  if (start && end && start.getTime() > end.getTime()) {
    throw new ValidationError("start", q.start, `must be <= end (${end.toISOString()})`);
  }
  const limit =
    q.limit === undefined
      ? DEFAULT_LEDGER_LIMIT
      : validateIntegerInRange(q.limit, "limit", 1, MAX_LEDGER_LIMIT);
  return Object.freeze({ symbol, start, end, limit });
}
