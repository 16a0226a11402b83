import { CacheUnavailableError, QtsError } from "@qts/contracts";

/** Any error from ioredis (or the socket) as a `CacheUnavailableError`; typed QTS errors pass through. */
export function toCacheError(error: unknown, operation: string): Error {
  if (error instanceof QtsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CacheUnavailableError(`Redis ${operation} failed: ${message}`, { cause: error });
}

/** A pipeline's per-command results: throws the first command error as a `CacheUnavailableError`. */
export function pipelineResults(results: [Error | null, unknown][] | null, operation: string): unknown[] {
  if (results === null) throw new CacheUnavailableError(`Redis ${operation} failed: pipeline was discarded`);
  return results.map(([error, value]) => {
    if (error !== null) throw toCacheError(error, operation);
    return value;
  });
}
