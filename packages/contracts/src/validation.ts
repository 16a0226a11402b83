import { ValidationError } from "./errors.js";

/** Longest accepted symbol, in UTF-16 code units. */
export const MAX_SYMBOL_LENGTH = 64;

// C0 controls, DEL and C1 controls.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A symbol: a string, trimmed of surrounding whitespace, non-empty, at most 64 characters,
 * with no control characters. Returns the trimmed symbol.
 */
export function validateSymbol(value: unknown, field = "symbol"): string {
  if (typeof value !== "string") throw new ValidationError(field, value, "must be a string");
  const symbol = value.trim();
  if (symbol === "") throw new ValidationError(field, value, "must not be empty");
  if (symbol.length > MAX_SYMBOL_LENGTH) {
    throw new ValidationError(field, value, `must be at most ${MAX_SYMBOL_LENGTH} characters`);
  }
  if (CONTROL_CHARS.test(symbol)) throw new ValidationError(field, value, "must not contain control characters");
  return symbol;
}

/** A free-text field (market, strategyTag, orderId, broker, source): any string, stored verbatim. */
export function validateText(value: unknown, field: string, fallback = ""): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string") throw new ValidationError(field, value, "must be a string");
  return value;
}

/**
 * A point in time: a valid `Date`, an ISO-8601 string or epoch milliseconds. Always returns a new `Date`
 * (so a caller's later mutation of its own Date cannot change a record).
 */
export function validateDate(value: unknown, field: string): Date {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = Number.isFinite(value) ? value : Number.NaN;
  else if (typeof value === "string" && value.trim() !== "") ms = Date.parse(value);
  else throw new ValidationError(field, value, "must be a Date");
  if (Number.isNaN(ms)) throw new ValidationError(field, value, "must be a valid date");
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new ValidationError(field, value, "must be a valid date");
  return date;
}

/** As `validateDate`, with `null`/`undefined` meaning "no time". */
export function validateOptionalDate(value: unknown, field: string): Date | null {
  return value === null || value === undefined ? null : validateDate(value, field);
}

/** A volume or count: a non-negative safe integer (numbers, or strings of digits). */
export function validateVolume(value: unknown, field = "volume"): number {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "bigint") n = Number(value);
  else if (typeof value === "string" && /^\s*\+?\d+\s*$/.test(value)) n = Number(value);
  else throw new ValidationError(field, value, "must be a non-negative integer");
  if (!Number.isSafeInteger(n)) throw new ValidationError(field, value, "must be a safe integer");
  if (n < 0) throw new ValidationError(field, value, "must be >= 0");
  return n;
}

/** An integer in [min, max]. */
export function validateIntegerInRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ValidationError(field, value, `must be an integer between ${min} and ${max}`);
  }
  if (value < min || value > max) throw new ValidationError(field, value, `must be between ${min} and ${max}`);
  return value;
}

/** Throws unless `value` is a plain object (used by factories before reading fields). */
export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(what, value, "must be an object");
  }
  return value as Record<string, unknown>;
}
