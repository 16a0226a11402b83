import type { Clock } from "./clock.js";
import { ConfigError, type ConfigIssue, ValidationError } from "./errors.js";

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

/** How a collected failure is shown, in place of what the validator said. */
export interface IssueLabel {
  /** The variable the user must fix (default: the validator's field). */
  readonly variable?: string | undefined;
  /** The value as shown (default: `String(value)`); give a secret redacted. */
  readonly value?: string | undefined;
  /** The reason, or a function of the validator's reason (default: the validator's reason). */
  readonly reason?: string | ((reason: string) => string) | undefined;
}

type Validator = (...args: never[]) => unknown;

/**
 * The collecting mode of the options pattern, for resolvers that report every bad option at once: the same
 * `opt` validators (and any check that throws `ValidationError` or `ConfigError`), but each failure is recorded
 * as a `ConfigIssue` { variable, value, reason } instead of thrown; `add` records a resolver's own rule;
 * `throwIfAny()` then throws one `ConfigError` listing them all. An issue equal to one already recorded is
 * not repeated; with `onePerVariable` only the first issue of each variable is kept.
 */
export class IssueCollector {
  readonly #issues: ConfigIssue[] = [];
  readonly #onePerVariable: boolean;
  /** `opt` in collecting mode: the same arguments and result; a failure is recorded and the default returned. */
  readonly opt: typeof opt;

  constructor(options: { onePerVariable?: boolean | undefined } = {}) {
    this.#onePerVariable = options.onePerVariable === true;
    const collecting: Record<string, Validator> = {};
    for (const [name, validate] of Object.entries(opt) as [string, (...args: unknown[]) => unknown][]) {
      // Every validator takes (value, field, default, ...) except `object`, whose default is {}.
      collecting[name] = ((...args: unknown[]) =>
        this.check(() => validate(...args), name === "object" ? {} : args[2])) as Validator;
    }
    this.opt = Object.freeze(collecting) as unknown as typeof opt;
  }

  /**
   * Runs `validate` (e.g. `() => opt.int(...)`) and returns its result; when it throws a `ValidationError`, records
   * it (shown as `label` says) and returns `fallback`; a `ConfigError`'s issues are recorded as they are. Anything
   * else is rethrown.
   */
  check<T>(validate: () => T, fallback: T, label: IssueLabel = {}): T {
    try {
      return validate();
    } catch (error) {
      if (error instanceof ConfigError) {
        for (const issue of error.issues) this.add(issue.variable, issue.value, issue.reason);
      } else if (error instanceof ValidationError) {
        const reason = typeof label.reason === "function" ? label.reason(error.reason) : label.reason;
        this.add(label.variable ?? error.field, label.value ?? error.value, reason ?? error.reason);
      } else {
        throw error;
      }
      return fallback;
    }
  }

  /** Records a problem found by the resolver's own rule; `value` is shown as `String(value)` (redact secrets first). */
  add(variable: string, value: unknown, reason: string): void {
    const shown = String(value);
    const known = this.#issues.some(
      (i) => i.variable === variable && (this.#onePerVariable || (i.value === shown && i.reason === reason)),
    );
    if (!known) this.#issues.push({ variable, value: shown, reason });
  }

  /** The issues recorded so far, in order. */
  get issues(): readonly ConfigIssue[] {
    return this.#issues;
  }

  /** Throws one `ConfigError` listing every recorded issue; does nothing when there is none. */
  throwIfAny(): void {
    if (this.#issues.length > 0) throw new ConfigError(this.#issues);
  }
}
