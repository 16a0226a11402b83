import type { Clock } from "./clock.js";
import { ValidationError } from "./errors.js";

/**
 * The one options pattern: a constructor resolves its options into a frozen object with these validators.
 * Each takes the given value (undefined = use the default), the option's name for the `ValidationError`, and
 * its rule; none of them coerces (a string "5" is not a number).
 */
export const opt = Object.freeze({
  /** An integer in [min, max] (default max: MAX_SAFE_INTEGER). */
  int(value: unknown, field: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = value === undefined ? def : value;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new ValidationError(
        field,
        value,
        `must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`}`,
      );
    }
    return v;
  },

  /** A finite number of milliseconds >= min (0 allowed only when min is 0). */
  ms(value: unknown, field: string, def: number, min = 0): number {
    const v = value === undefined ? def : value;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
      throw new ValidationError(field, value, `must be a finite number of milliseconds >= ${min}`);
    }
    return v;
  },

  /** A finite number of milliseconds > 0. */
  positiveMs(value: unknown, field: string, def: number): number {
    const v = value === undefined ? def : value;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new ValidationError(field, value, "must be a finite number of milliseconds > 0");
    }
    return v;
  },

  /** A string (non-empty unless `allowEmpty`). */
  str(value: unknown, field: string, def: string, allowEmpty = false): string {
    const v = value === undefined ? def : value;
    if (typeof v !== "string" || (!allowEmpty && v === "")) {
      throw new ValidationError(field, value, allowEmpty ? "must be a string" : "must be a non-empty string");
    }
    return v;
  },

  /** A boolean. */
  bool(value: unknown, field: string, def: boolean): boolean {
    const v = value === undefined ? def : value;
    if (typeof v !== "boolean") throw new ValidationError(field, value, "must be true or false");
    return v;
  },

  /** One of `allowed`. */
  oneOf<T extends string>(value: unknown, field: string, def: T, allowed: readonly T[]): T {
    const v = value === undefined ? def : value;
    if (!allowed.includes(v as T)) {
      throw new ValidationError(
        field,
        value,
        `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
      );
    }
    return v as T;
  },

  /** A `Clock` (an object with `now()`). */
  clock(value: unknown, field: string, def: Clock): Clock {
    const v = value === undefined ? def : value;
    if (typeof v !== "object" || v === null || typeof (v as Clock).now !== "function") {
      throw new ValidationError(field, value, "must be a Clock (an object with now())");
    }
    return v as Clock;
  },

  /** A function, or the default (which may be undefined). */
  fn<F extends (...args: never[]) => unknown>(value: unknown, field: string, def: F): F {
    const v = value === undefined ? def : value;
    if (typeof v !== "function") throw new ValidationError(field, value, "must be a function");
    return v as F;
  },

  /** The options argument itself: undefined means {}, anything else must be a plain object. */
  object<T extends object>(value: T | undefined, field = "options"): Partial<T> {
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ValidationError(field, value, "must be an object");
    }
    return value;
  },
});
