import { CacheOutOfMemoryError, CacheUnavailableError, QtsError } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";

/** Redis's reply to a write refused at `maxmemory` ("OOM command not allowed when used memory > ..."). */
const OOM_REPLY = /^OOM\b/;

/**
 * The OOM reply behind `error`, if any: the error itself, or for MULTI/EXEC the queued command that Redis
 * refused (ioredis rejects EXEC with `EXECABORT` and keeps the refusals in `previousErrors`).
 */
export function oomReplyOf(error: unknown): Error | null {
  if (!(error instanceof Error)) return null;
  if (OOM_REPLY.test(error.message)) return error;
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  if (!Array.isArray(previous)) return null;
  return previous.find((e): e is Error => e instanceof Error && OOM_REPLY.test(e.message)) ?? null;
}

/**
 * Any error from ioredis (or the socket) as a `CacheUnavailableError`; an OOM refusal as a
 * `CacheOutOfMemoryError` (its message says OOM, whatever the strategy); typed QTS errors pass through.
 */
export function toCacheError(error: unknown, operation: string): Error {
  if (error instanceof QtsError) return error;
  const oom = oomReplyOf(error);
  if (oom !== null) {
    return new CacheOutOfMemoryError(
      `Redis ${operation} failed: out of memory (OOM), the server refuses writes at its maxmemory limit: ${oom.message}`,
      { cause: oom },
    );
  }
  const message = errorMessage(error);
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
