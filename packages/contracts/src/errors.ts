/**
 * Typed errors of the QTS data layer. Every error carries a stable `code` that callers may switch on;
 * messages are for humans and may change.
 */

export const ErrorCode = Object.freeze({
  VALIDATION: "QTS_VALIDATION",
  CONFIG: "QTS_CONFIG",
  DATA_SOURCE: "QTS_DATA_SOURCE",
  DATA_SOURCE_UNAVAILABLE: "QTS_DATA_SOURCE_UNAVAILABLE",
  READ_ONLY: "QTS_READ_ONLY",
  CACHE_UNAVAILABLE: "QTS_CACHE_UNAVAILABLE",
  CACHE_STALE_DATA: "QTS_CACHE_STALE_DATA",
  CONFLICT: "QTS_CONFLICT",
} as const);
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error this project throws on purpose. */
export class QtsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** The message of a thrown value: an `Error`'s message, anything else as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Renders a rejected value for an error message without dumping huge or secret values. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (typeof value === "object" && value !== null && "toString" in value) {
    try {
      const text = String(value);
      if (text !== "[object Object]") return text.length > 80 ? `${text.slice(0, 77)}...` : text;
    } catch {
      // A value whose toString throws is shown by its tag; building the error must not throw.
    }
  }
  return Object.prototype.toString.call(value);
}

/** Bad input: names the field and the rejected value. Nothing was written. */
export class ValidationError extends QtsError {
  readonly field: string;
  readonly value: unknown;
  readonly reason: string;

  constructor(field: string, value: unknown, reason: string, options?: { redact?: boolean }) {
    const shown = options?.redact ? "[redacted]" : describeValue(value);
    super(ErrorCode.VALIDATION, `Invalid ${field}: ${reason} (got ${shown})`);
    this.field = field;
    this.value = options?.redact ? "[redacted]" : value;
    this.reason = reason;
  }
}

/** One bad configuration value, as reported by `ConfigError`. */
export interface ConfigIssue {
  readonly variable: string;
  readonly value: string;
  readonly reason: string;
}

/** Configuration was invalid; `issues` lists every bad value at once (secrets are redacted). */
export class ConfigError extends QtsError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.variable}=${i.value}: ${i.reason}`);
    super(ErrorCode.CONFIG, `Invalid configuration (${issues.length} problem(s)):\n${lines.join("\n")}`);
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}

/** A store failed for a reason other than bad input or unreachability; see `cause`. */
export class DataSourceError extends QtsError {
  readonly source: string;

  constructor(
    message: string,
    options?: { cause?: unknown; source?: string },
    code: ErrorCode = ErrorCode.DATA_SOURCE,
  ) {
    super(code, message, options);
    this.source = options?.source ?? "";
  }
}

/** The store cannot be reached (connection refused/reset, timeout, server shutting down). */
export class DataSourceUnavailableError extends DataSourceError {
  constructor(message: string, options?: { cause?: unknown; source?: string }) {
    super(message, options, ErrorCode.DATA_SOURCE_UNAVAILABLE);
  }
}

/** The current safety state forbids writes (FAIL or LOCKDOWN). */
export class ReadOnlyError extends QtsError {
  readonly state: string;

  constructor(message: string, state = "") {
    super(ErrorCode.READ_ONLY, message);
    this.state = state;
  }
}

/** The cache cannot be reached, timed out, or the circuit is open. */
export class CacheUnavailableError extends QtsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CACHE_UNAVAILABLE, message, options);
  }
}

/**
 * The cache server refuses writes because it is at its memory limit (Redis `maxmemory` with a policy that
 * cannot free space, e.g. `noeviction`). A `CacheUnavailableError` (same `code`), so callers that treat the
 * cache as unavailable keep working; `reason` is `"OOM"` for those that want to tell it apart. Reads may
 * still succeed while writes get this.
 */
export class CacheOutOfMemoryError extends CacheUnavailableError {
  readonly reason = "OOM" as const;
}

/** A cached value is missing or older than the caller accepts. */
export class CacheStaleDataError extends QtsError {
  readonly key: string;
  /** Age in milliseconds, or null when the value is missing or carries no timestamp. */
  readonly ageMs: number | null;

  constructor(key: string, ageMs: number | null, message?: string) {
    super(
      ErrorCode.CACHE_STALE_DATA,
      message ?? (ageMs === null ? `No fresh data for ${key}` : `Data for ${key} is ${ageMs} ms old`),
    );
    this.key = key;
    this.ageMs = ageMs;
  }
}

/**
 * A write conflicts with what the store already holds: e.g. `applyFill` with a `fillId` that is booked with a
 * different symbol, side, qty or price. Nothing was written; retrying the same call cannot succeed.
 */
export class ConflictError extends QtsError {
  /** The key that conflicts (for `applyFill`, the `fillId`). */
  readonly key: string;
  /** The fields that differ from the stored record (e.g. `["qty"]`). */
  readonly fields: readonly string[];
  readonly source: string;

  constructor(message: string, options: { key: string; fields?: readonly string[]; source?: string }) {
    super(ErrorCode.CONFLICT, message);
    this.key = options.key;
    this.fields = Object.freeze([...(options.fields ?? [])]);
    this.source = options.source ?? "";
  }
}
