import { backoffDelayMs, DataSourceError, DataSourceUnavailableError, QtsError } from "@qts/contracts";

/** Truncated exponential backoff with full jitter inside a deadline. */
export interface RetryOptions {
  /** Total time one logical operation may take, retries included (default 30000 ms). */
  deadlineMs: number;
  /** First backoff cap (default 250 ms); attempt n waits uniform(0, min(maxDelayMs, baseDelayMs * 2^n)). */
  baseDelayMs: number;
  /** Backoff cap (default 8000 ms). */
  maxDelayMs: number;
  /** Timeout of one HTTP request (default 10000 ms; never beyond the deadline). */
  requestTimeoutMs: number;
  /** Source of randomness in [0, 1) (tests may pin it). */
  random: () => number;
}

export const DEFAULT_RETRY: RetryOptions = Object.freeze({
  deadlineMs: 30_000,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  requestTimeoutMs: 10_000,
  random: Math.random,
});

/** What the retry loop saw, for stats and health. */
export interface RetryStats {
  attempts: number;
  retries: number;
  /** Operations that gave up (deadline or non-retryable error). */
  failures: number;
}

interface HttpishError {
  status?: unknown;
  code?: unknown;
  name?: unknown;
  message?: unknown;
  response?: { status?: unknown; headers?: unknown; data?: unknown };
}

/** HTTP status of a googleapis/gaxios error, or null for a network-level failure. */
export function httpStatus(error: unknown): number | null {
  const e = error as HttpishError | null;
  if (typeof e !== "object" || e === null) return null;
  const status = e.response?.status ?? e.status;
  return typeof status === "number" ? status : null;
}

/** Only 429, 5xx and failures without an HTTP response (refused, reset, timeout) are retryable. */
export function isRetryable(error: unknown): boolean {
  const status = httpStatus(error);
  if (status === null) return true;
  return status === 429 || status >= 500;
}

/**
 * A failure after which the request may or may not have been applied (no response, or a 5xx): a retry of a
 * non-idempotent write must first check whether the first attempt landed. A 429 or 4xx was not applied.
 */
export function isAmbiguous(error: unknown): boolean {
  if (error === undefined) return false;
  const status = httpStatus(error);
  return status === null || status >= 500;
}

/** `Retry-After` in ms when the server sent one (seconds form only). */
export function retryAfterMs(error: unknown): number | null {
  const headers = (error as HttpishError | null)?.response?.headers;
  let raw: unknown;
  if (headers && typeof (headers as Headers).get === "function")
    raw = (headers as Headers).get("retry-after");
  else if (headers && typeof headers === "object") raw = (headers as Record<string, unknown>)["retry-after"];
  const seconds = typeof raw === "string" ? Number(raw) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/** Google's error message (`{ error: { message } }`) or the error's own. */
export function describeApiError(error: unknown): string {
  const e = error as HttpishError | null;
  const data = e?.response?.data as { error?: { message?: unknown; status?: unknown } } | undefined;
  const status = httpStatus(error);
  const message = typeof data?.error?.message === "string" ? data.error.message : String(e?.message ?? error);
  return status === null ? message : `HTTP ${status}: ${message}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `op(attempt, timeoutMs)` until it succeeds, a non-retryable error occurs, or the deadline passes.
 * Retryable failures past the deadline become `DataSourceUnavailableError`; other API failures become
 * `DataSourceError`; errors that are already typed QTS errors pass through.
 */
export async function withRetry<T>(
  what: string,
  source: string,
  options: RetryOptions,
  stats: RetryStats,
  op: (attempt: number, timeoutMs: number, previousError: unknown) => Promise<T>,
  fatal?: (error: unknown) => QtsError,
): Promise<T> {
  const deadline = Date.now() + options.deadlineMs;
  let previousError: unknown;
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - Date.now();
    stats.attempts++;
    try {
      return await op(attempt, Math.max(1, Math.min(options.requestTimeoutMs, remaining)), previousError);
    } catch (error) {
      if (error instanceof QtsError) {
        stats.failures++;
        throw error;
      }
      if (!isRetryable(error)) {
        stats.failures++;
        throw (
          fatal?.(error) ??
          new DataSourceError(`${source}: ${what} failed: ${describeApiError(error)}`, {
            cause: error,
            source,
          })
        );
      }
      const delay = Math.max(backoffDelayMs(attempt, options), retryAfterMs(error) ?? 0);
      if (Date.now() + delay >= deadline) {
        stats.failures++;
        throw new DataSourceUnavailableError(
          `${source}: ${what} failed after ${attempt + 1} attempt(s) within ${options.deadlineMs} ms: ${describeApiError(error)}${
            previousError !== undefined && httpStatus(error) === null && httpStatus(previousError) !== null
              ? ` (before that: ${describeApiError(previousError)})`
              : ""
          }`,
          { cause: error, source },
        );
      }
      stats.retries++;
      previousError = error;
      await sleep(delay);
    }
  }
}
