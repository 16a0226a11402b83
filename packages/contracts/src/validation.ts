import { ValidationError } from "./errors.js";

/** Longest accepted symbol, in UTF-16 code units. */
export const MAX_SYMBOL_LENGTH = 64;

// C0 controls, DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

// With the `u` flag a paired surrogate is one astral code point; only a lone half is category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * True when `text` holds a UTF-16 surrogate half without its partner: UTF-8 (PostgreSQL, Redis, Sheets)
 * cannot encode it, so each store would keep something else (U+FFFD, raw bytes) and the stores disagree.
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * A symbol: a string with no control characters anywhere (a trailing `\n` or `\t` is bad data, not padding),
 * trimmed of surrounding spaces, then non-empty and at most 64 characters. Returns the trimmed symbol.
 */
export function validateSymbol(value: unknown, field = "symbol"): string {
  if (typeof value !== "string") throw new ValidationError(field, value, "must be a string");
  if (CONTROL_CHARS.test(value))
    throw new ValidationError(field, value, "must not contain control characters");
  if (LONE_SURROGATE.test(value))
    throw new ValidationError(field, value, "must not contain a lone UTF-16 surrogate");
  const symbol = value.trim();
  if (symbol === "") throw new ValidationError(field, value, "must not be empty");
  if (symbol.length > MAX_SYMBOL_LENGTH) {
    throw new ValidationError(field, value, `must be at most ${MAX_SYMBOL_LENGTH} characters`);
  }
  return symbol;
}

/** Longest accepted free-text field, in UTF-16 code units (a Sheets cell holds 50000 characters). */
export const MAX_TEXT_LENGTH = 4096;

/**
 * A free-text field (market, strategyTag, orderId, broker, source): any string every store holds exactly,
 * stored verbatim. Rejected: NUL (PostgreSQL text cannot hold it), a lone UTF-16 surrogate (PostgreSQL
 * would store U+FFFD and Redis the raw half, so the stores would disagree) and more than
 * `MAX_TEXT_LENGTH` code units.
 */
export function validateText(value: unknown, field: string, fallback = ""): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string") throw new ValidationError(field, value, "must be a string");
  if (value.length > MAX_TEXT_LENGTH)
    throw new ValidationError(field, value, `must be at most ${MAX_TEXT_LENGTH} characters`);
  if (value.includes("\u0000")) throw new ValidationError(field, value, "must not contain NUL (U+0000)");
  if (LONE_SURROGATE.test(value))
    throw new ValidationError(field, value, "must not contain a lone UTF-16 surrogate");
  return value;
}

// YYYY-MM-DD, optionally followed by [T or space]hh:mm[:ss[.fff]] and a zone (Z, ±hh, ±hhmm, ±hh:mm).
const ISO_8601 =
  /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Parses an ISO-8601 date or date-time strictly (no day 30 of February, no hour 24, no free-form text).
 * A date-time without a zone is UTC, like a date alone; fractions finer than a millisecond are truncated.
 * Returns NaN when the text is not such a time.
 */
export function parseIsoTime(text: string): number {
  const m = ISO_8601.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = "0", mi = "0", sec = "0", frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return Number.NaN;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return Number.NaN;
  }
  date.setUTCHours(hour, minute, second, Number(frac.slice(0, 3).padEnd(3, "0")));
  let ms = date.getTime();
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const offH = Number(digits.slice(0, 2));
    const offM = Number(digits.slice(2) || "0");
    if (offH > 23 || offM > 59) return Number.NaN;
    ms -= (zone.startsWith("-") ? -1 : 1) * (offH * 60 + offM) * 60_000;
  }
  return ms;
}

function isDate(value: unknown): value is Date {
  return value instanceof Date || Object.prototype.toString.call(value) === "[object Date]";
}

/** Earliest accepted time: 0001-01-01T00:00:00.000Z. */
export const MIN_DATE_MS = -62_135_596_800_000;
/** Latest accepted time: 9999-12-31T23:59:59.999Z. */
export const MAX_DATE_MS = 253_402_300_799_999;

const DATE_SETTERS = [
  "setDate",
  "setFullYear",
  "setHours",
  "setMilliseconds",
  "setMinutes",
  "setMonth",
  "setSeconds",
  "setTime",
  "setUTCDate",
  "setUTCFullYear",
  "setUTCHours",
  "setUTCMilliseconds",
  "setUTCMinutes",
  "setUTCMonth",
  "setUTCSeconds",
  "setYear",
] as const;

/**
 * The `Date` every record holds: a frozen `Date` whose setters throw `TypeError`, so no holder of a record
 * (a caller, the memory store, a position shared through the CacheManager) can change its time through
 * it. It is a real `Date` (`instanceof Date`, `pg` and `toISOString` work unchanged). Only an explicit
 * `Date.prototype.setTime.call(d, ...)` gets past it; no JavaScript object can stop that.
 */
export class ImmutableDate extends Date {}

for (const name of DATE_SETTERS) {
  Object.defineProperty(ImmutableDate.prototype, name, {
    value: function immutable(): never {
      throw new TypeError(`Cannot ${name}() on a record's time: records are immutable; make a new Date`);
    },
    writable: false,
    enumerable: false,
    configurable: false,
  });
}
Object.freeze(ImmutableDate.prototype);

/**
 * Any point in time JavaScript holds: a valid `Date`, an ISO-8601 string (see `parseIsoTime`) or epoch
 * milliseconds. Returns epoch milliseconds. Used for query bounds; records use `validateDate`.
 */
export function validateInstant(value: unknown, field: string): number {
  let ms: number;
  if (isDate(value)) ms = Date.prototype.getTime.call(value);
  else if (typeof value === "number") ms = Number.isFinite(value) ? value : Number.NaN;
  else if (typeof value === "string" && value.trim() !== "") ms = parseIsoTime(value);
  else throw new ValidationError(field, value, "must be a Date");
  if (Number.isNaN(ms) || Number.isNaN(new Date(ms).getTime()))
    throw new ValidationError(field, value, "must be a valid date");
  return Math.trunc(ms) || 0;
}

/**
 * A time a record may hold: as `validateInstant`, between 0001-01-01T00:00:00.000Z and
 * 9999-12-31T23:59:59.999Z (what PostgreSQL `timestamptz`, JavaScript and the four-digit ISO form all hold
 * exactly). Always returns a new, frozen `ImmutableDate`, so neither a caller's later change to its own
 * Date nor a change through the record can move a record's time.
 */
export function validateDate(value: unknown, field: string): Date {
  const ms = validateInstant(value, field);
  if (ms < MIN_DATE_MS || ms > MAX_DATE_MS) {
    throw new ValidationError(field, value, "must be between 0001-01-01 and 9999-12-31T23:59:59.999Z");
  }
  return Object.freeze(new ImmutableDate(ms));
}

/**
 * A query bound as an `ImmutableDate`, clamped to [`MIN_DATE_MS`, `MAX_DATE_MS` + 1]: no record lies
 * outside, so the answer is the same, and every store can take the bound as a parameter.
 */
export function queryBoundDate(ms: number): Date {
  return Object.freeze(new ImmutableDate(Math.min(Math.max(ms, MIN_DATE_MS), MAX_DATE_MS + 1)));
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
  return n === 0 ? 0 : n; // -0 → 0
}

/** An integer in [min, max]. */
export function validateIntegerInRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ValidationError(field, value, `must be an integer between ${min} and ${max}`);
  }
  if (value < min || value > max)
    throw new ValidationError(field, value, `must be between ${min} and ${max}`);
  return value;
}

/** Throws unless `value` is a plain object (used by factories before reading fields). */
export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(what, value, "must be an object");
  }
  return value as Record<string, unknown>;
}
