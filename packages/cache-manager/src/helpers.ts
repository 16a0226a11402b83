import { CacheUnavailableError, type Position, positionFromHash, withTimeout } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";

/** A cached position, or null when the hash does not decode or belongs to another symbol. */
export function decodePosition(hash: Readonly<Record<string, string>>, symbol: string): Position | null {
  try {
    const p = positionFromHash(hash);
    return p.symbol === symbol ? p : null;
  } catch {
    return null;
  }
}

const EPOCH_MS = /^\d{1,16}(\.\d+)?$/;

/** The epoch-millisecond value of a `timestamp` field, or null when absent or not a plain number. */
export function parseEpochMs(value: string | undefined): number | null {
  if (value === undefined || !EPOCH_MS.test(value)) return null;
  const ms = Number(value);
  return Number.isFinite(ms) ? ms : null;
}

/** `promise`, or a `CacheUnavailableError` naming `what` after `ms` (the one `withTimeout` of `@qts/contracts`). */
export function timeoutAfter<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(promise, ms, () => new CacheUnavailableError(`${what} timed out after ${ms} ms`));
}

/** A cache failure as `CacheUnavailableError` (kept as is when it already is one). */
export function asCacheUnavailable(error: unknown, what: string): CacheUnavailableError {
  if (error instanceof CacheUnavailableError) return error;
  return new CacheUnavailableError(`${what} failed: ${errorMessage(error)}`, { cause: error });
}
