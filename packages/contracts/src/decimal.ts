import { Decimal } from "decimal.js";
import { ValidationError } from "./errors.js";

export { Decimal };

/** What a decimal field accepts: a Decimal, a decimal string (`"0.1"`, `"1e-12"`) or a finite number. */
export type DecimalInput = Decimal | string | number;

/**
 * Freezes a Decimal and its digit array, so a record's value cannot be changed through it (decimal.js never
 * changes an existing instance: every operation returns a new one). Returns the same instance.
 */
export function freezeDecimal(d: Decimal): Decimal {
  const digits = (d as unknown as { d?: number[] | null }).d;
  if (digits) Object.freeze(digits);
  return Object.freeze(d);
}

function isFrozenDecimal(d: Decimal): boolean {
  const digits = (d as unknown as { d?: number[] | null }).d;
  return Object.isFrozen(d) && (!digits || Object.isFrozen(digits));
}

const ZERO = freezeDecimal(new Decimal(0));

/**
 * Bounds every decimal field is held to, so that every store holds the value exactly and formatting it is
 * cheap: PostgreSQL NUMERIC holds up to 131072 digits before the point and 16383 after, a Sheets cell
 * 50000 characters, and `toFixed()` of `1e100000000` blocks the event loop for seconds. The plain form of
 * an accepted value is at most 2002 characters.
 */
export const DECIMAL_LIMITS = Object.freeze({
  /** Digits before the point: |value| < 10^1000. */
  maxIntegerDigits: 1000,
  /** Digits after the point: the smallest non-zero digit is at 10^-1000 or above. */
  maxFractionDigits: 1000,
  /** Significant digits (leading and trailing zeros not counted). */
  maxSignificantDigits: 1000,
  /** A decimal string longer than this is rejected before it is parsed. */
  maxTextLength: 4096,
});

/**
 * Throws unless `d` (finite) is within `DECIMAL_LIMITS`. Reads only the exponent and the digit count,
 * never formats the value, so an absurd input such as `1e100000000` is rejected in microseconds.
 */
export function checkDecimalBounds(d: Decimal, field: string, value: unknown = d): Decimal {
  if (d.isZero()) return d;
  if (d.e >= DECIMAL_LIMITS.maxIntegerDigits) {
    throw new ValidationError(
      field,
      value,
      `must be less than 1e${DECIMAL_LIMITS.maxIntegerDigits} in magnitude (at most ${DECIMAL_LIMITS.maxIntegerDigits} digits before the point)`,
    );
  }
  if (d.decimalPlaces() > DECIMAL_LIMITS.maxFractionDigits) {
    throw new ValidationError(
      field,
      value,
      `must have at most ${DECIMAL_LIMITS.maxFractionDigits} digits after the point`,
    );
  }
  if (d.sd() > DECIMAL_LIMITS.maxSignificantDigits) {
    throw new ValidationError(
      field,
      value,
      `must have at most ${DECIMAL_LIMITS.maxSignificantDigits} significant digits`,
    );
  }
  return d;
}

/**
 * Parses a decimal field exactly. Numbers go through their shortest round-trip string (so `0.1` is 0.1);
 * strings are parsed by decimal.js without rounding. NaN, ±Infinity and non-numeric strings are rejected.
 * Negative zero becomes zero. Values outside `DECIMAL_LIMITS` are rejected without being formatted. The
 * result is frozen (`freezeDecimal`); a Decimal given by the caller is copied first unless already frozen.
 */
export function toDecimal(value: unknown, field: string): Decimal {
  let d: Decimal;
  if (Decimal.isDecimal(value)) {
    // A copy: the record's value must not change when the caller's instance does (and is frozen, below).
    d = isFrozenDecimal(value as Decimal) ? (value as Decimal) : new Decimal(value as Decimal);
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ValidationError(field, value, "must be a finite number");
    d = new Decimal(value);
  } else if (typeof value === "string") {
    if (value.length > DECIMAL_LIMITS.maxTextLength) {
      throw new ValidationError(
        field,
        value,
        `must be at most ${DECIMAL_LIMITS.maxTextLength} characters long`,
      );
    }
    const text = value.trim();
    if (text === "" || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
      throw new ValidationError(field, value, "must be a decimal number");
    }
    d = new Decimal(text);
    // decimal.js turns an exponent below its range into 0: refuse rather than silently lose the value.
    if (d.isZero() && /[1-9]/.test(text.split(/e/i)[0] ?? "")) {
      throw new ValidationError(
        field,
        value,
        `must have at most ${DECIMAL_LIMITS.maxFractionDigits} digits after the point`,
      );
    }
  } else {
    throw new ValidationError(field, value, "must be a Decimal, a decimal string or a finite number");
  }
  if (!d.isFinite()) throw new ValidationError(field, value, "must be finite");
  return d.isZero() ? ZERO : freezeDecimal(checkDecimalBounds(d, field, value));
}

/** As `toDecimal`, and the value must be >= 0. */
export function toNonNegativeDecimal(value: unknown, field: string): Decimal {
  const d = toDecimal(value, field);
  if (d.isNegative()) throw new ValidationError(field, value, "must be >= 0");
  return d;
}

/** As `toDecimal`, and the value must be > 0. */
export function toPositiveDecimal(value: unknown, field: string): Decimal {
  const d = toDecimal(value, field);
  if (!d.isPositive() || d.isZero()) throw new ValidationError(field, value, "must be > 0");
  return d;
}

/**
 * Plain (never exponent) notation with every digit kept: `1e-12` → `"0.000000000001"`.
 * This is the one encoding used wherever a human or another program reads a decimal (Sheets, Redis hashes).
 */
export function decimalToPlain(d: Decimal): string {
  return d.toFixed();
}
