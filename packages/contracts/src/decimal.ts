import { Decimal } from "decimal.js";
import { ValidationError } from "./errors.js";

export { Decimal };

/** What a decimal field accepts: a Decimal, a decimal string (`"0.1"`, `"1e-12"`) or a finite number. */
export type DecimalInput = Decimal | string | number;

const ZERO = new Decimal(0);

/**
 * Parses a decimal field exactly. Numbers go through their shortest round-trip string (so `0.1` is 0.1);
 * strings are parsed by decimal.js without rounding. NaN, ±Infinity and non-numeric strings are rejected.
 * Negative zero becomes zero.
 */
export function toDecimal(value: unknown, field: string): Decimal {
  let d: Decimal;
  if (Decimal.isDecimal(value)) {
    d = value as Decimal;
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ValidationError(field, value, "must be a finite number");
    d = new Decimal(value);
  } else if (typeof value === "string") {
    const text = value.trim();
    if (text === "" || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
      throw new ValidationError(field, value, "must be a decimal number");
    }
    d = new Decimal(text);
    // decimal.js turns an exponent below its range into 0: refuse rather than silently lose the value.
    if (d.isZero() && /[1-9]/.test(text.split(/e/i)[0] ?? "")) {
      throw new ValidationError(field, value, "is too small to represent");
    }
  } else {
    throw new ValidationError(field, value, "must be a Decimal, a decimal string or a finite number");
  }
  if (!d.isFinite()) throw new ValidationError(field, value, "must be finite");
  return d.isZero() ? ZERO : d;
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
