import fc from "fast-check";
import { expect } from "vitest";
import { Decimal, MAX_DATE_MS, MIN_DATE_MS, ValidationError } from "../src/index.js";
import { describeValue } from "../src/internal.js";

/** fast-check runs per property: enough to find edge cases, fast enough for a 2-core shared machine. */
export const RUNS = { numRuns: 300 } as const;

/**
 * Runs `fn`, expects a `ValidationError` for `field`, and checks that its message names the field and shows
 * the rejected value (as `describeValue` renders it). Returns the error for further checks.
 */
export function expectValidation(
  fn: () => unknown,
  field: string,
  ...shown: [] | [value: unknown]
): ValidationError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a ValidationError for ${field}`).toBeInstanceOf(ValidationError);
  const error = thrown as ValidationError;
  expect(error.field).toBe(field);
  expect(error.code).toBe("QTS_VALIDATION");
  expect(error.message).toContain(field);
  if (shown.length === 1) {
    const value = shown[0];
    expect(error.message).toContain(describeValue(value));
    if (typeof value === "number" && Number.isNaN(value)) expect(error.value).toBeNaN();
    else expect(error.value).toBe(value);
  }
  return error;
}

/** Characters decimal fields must never be encoded with. */
export const EXPONENT = /e/i;

/** Decimal strings: 0-30 significant digits at any scale 0..40, either sign, plus the spec's examples. */
export const decimalString = (opts: { nonNegative?: boolean } = {}): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .tuple(
        fc.bigInt({ min: opts.nonNegative ? 0n : -(10n ** 30n - 1n), max: 10n ** 30n - 1n }),
        fc.integer({ min: 0, max: 40 }),
      )
      .map(([mantissa, scale]) => new Decimal(mantissa.toString()).div(new Decimal(10).pow(scale)).toFixed()),
    fc.constantFrom(
      "0",
      "0.1",
      "1e-12",
      "1E-12",
      "12345678901234567890.123456789",
      "123456789012345678901234567890",
      "0.000000000000000000000000000001",
      "1e+30",
      "99999999999999999999999999999999999999",
      ...(opts.nonNegative ? [] : ["-0.000001", "-1e-12", "-12345678901234567890.123456789"]),
    ),
  );

/** What a decimal field accepts: Decimal, decimal string (plain or exponent form) or a finite number. */
export const decimalInput = (opts: { nonNegative?: boolean } = {}): fc.Arbitrary<Decimal | string | number> =>
  fc.oneof(
    decimalString(opts),
    decimalString(opts).map((s) => new Decimal(s)),
    decimalString(opts).map((s) => new Decimal(s).toExponential()),
    fc.double({ noNaN: true, noDefaultInfinity: true, ...(opts.nonNegative ? { min: 0 } : {}) }),
  );

/** The Decimal a factory must produce from `input` (numbers through their shortest string). */
export function expectedDecimal(input: Decimal | string | number): Decimal {
  const d = new Decimal(typeof input === "number" ? String(input) : input);
  return d.isZero() ? new Decimal(0) : d;
}

/** Symbols the factories accept unchanged: trimmed, 1..64 code units, no control characters. */
export const symbolArb: fc.Arbitrary<string> = fc
  .string({ minLength: 1, maxLength: 64, unit: "binary" })
  .filter(
    (s) => s.length <= 64 && s.trim() === s && s !== "" && !hasControlCharacter(s) && !LONE_SURROGATE.test(s),
  );

/** A UTF-16 surrogate half without its partner (with the `u` flag a proper pair is one code point). */
export const LONE_SURROGATE = /\p{Cs}/u;

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Times the factories accept: 0001-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z. */
export const dateArb: fc.Arbitrary<Date> = fc.date({
  noInvalidDate: true,
  min: new Date(MIN_DATE_MS),
  max: new Date(MAX_DATE_MS),
});

/** Text the factories accept: any string without NUL or a lone surrogate. */
export const textArb: fc.Arbitrary<string> = fc
  .string({ maxLength: 40, unit: "binary" })
  .filter((s) => !s.includes("\u0000") && !LONE_SURROGATE.test(s));

/** Fill ids the factory accepts unchanged: 1..128 code units, no control characters, no outer whitespace. */
export const fillIdArb: fc.Arbitrary<string> = fc
  .string({ minLength: 1, maxLength: 128, unit: "binary" })
  .filter(
    (s) =>
      s.length <= 128 && s.trim() === s && s !== "" && !hasControlCharacter(s) && !LONE_SURROGATE.test(s),
  );
