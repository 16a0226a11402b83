import { DataSourceUnavailableError, retry } from "@qts/contracts";

/** How long one write is retried while the store is unavailable (a restart takes seconds). */
export const UNAVAILABLE_RETRY_MS = 60_000;

/**
 * Retries `fn` with the same arguments while it rejects with `DataSourceUnavailableError`, up to
 * `UNAVAILABLE_RETRY_MS`; `onRetry` counts the attempts.
 */
export function retryWhileUnavailable<T>(fn: () => Promise<T>, onRetry: () => void): Promise<T> {
  return retry(fn, {
    deadlineMs: UNAVAILABLE_RETRY_MS,
    baseDelayMs: 25,
    maxDelayMs: 1000,
    retryable: (err) => err instanceof DataSourceUnavailableError,
    onRetry,
  });
}
