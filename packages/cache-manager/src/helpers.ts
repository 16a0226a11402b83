import { CacheUnavailableError, type Position, positionFromHash } from "@qts/contracts";

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

/** `promise`, or a `CacheUnavailableError` after `ms` (one timer, cleared when the promise settles). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheUnavailableError(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A cache failure as `CacheUnavailableError` (kept as is when it already is one). */
export function asCacheUnavailable(error: unknown, what: string): CacheUnavailableError {
  if (error instanceof CacheUnavailableError) return error;
  return new CacheUnavailableError(`${what} failed: ${errorMessage(error)}`, { cause: error });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
