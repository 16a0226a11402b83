import { ValidationError } from "./errors.js";

/**
 * The async building blocks every package uses, written once: `sleep`, `withTimeout`, one backoff
 * (`backoffDelayMs`: truncated exponential with full jitter, injectable randomness), one `retry` loop within a
 * deadline, and one `KeyedSerializer` (per-key serial execution). Redis, Sheets, the Hybrid relay, the cache
 * manager and the replay all go through these.
 */

/** `items` in slices of at most `size` (one request, statement or batch each); `size` must be an integer >= 1. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new ValidationError("chunk size", size, "must be an integer >= 1");
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `promise`, or after `ms` the error `onTimeout()` makes (one timer, unref'd, cleared when the promise
 * settles). Without `onTimeout` it resolves `undefined` at the deadline instead: a bounded wait.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T>;
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined>;
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout?: () => Error,
): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve, reject) => {
    timer = setTimeout(() => (onTimeout ? reject(onTimeout()) : resolve(undefined)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** How long to wait between attempts: `random() × min(maxDelayMs, baseDelayMs × 2^attempt)`. */
export interface BackoffPolicy {
  /** Cap of the first wait (attempt 0). */
  readonly baseDelayMs: number;
  /** Cap of every wait. */
  readonly maxDelayMs: number;
  /** Randomness in [0, 1) (default `Math.random`); `() => 1` gives plain capped exponential backoff. */
  readonly random?: (() => number) | undefined;
}

/** Truncated exponential backoff with full jitter (the AWS "full jitter" scheme). `attempt` counts from 0. */
export function backoffDelayMs(attempt: number, p: BackoffPolicy): number {
  const cap = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return (p.random ?? Math.random)() * cap;
}

export interface RetryPolicy extends BackoffPolicy {
  /** Total time for the operation, retries included. */
  readonly deadlineMs: number;
  /** Whether a failure may be retried (default: every failure). */
  readonly retryable?: ((error: unknown) => boolean) | undefined;
  /** A lower bound for the next wait (e.g. a server's `Retry-After`), or null. */
  readonly minDelayMs?: ((error: unknown) => number | null) | undefined;
  /** Called before each wait (stats, logs). */
  readonly onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
  /** The error to throw when giving up (default: the last error itself). */
  readonly giveUp?:
    | ((error: unknown, why: { attempts: number; reason: "deadline" | "not-retryable" }) => unknown)
    | undefined;
  /** Time source (default `Date.now`), for tests. */
  readonly now?: (() => number) | undefined;
}

/**
 * Runs `op(attempt, remainingMs)` until it succeeds, a failure is not retryable, or the next wait would pass
 * the deadline; waits `backoffDelayMs` (at least `minDelayMs(error)`) between attempts.
 */
export async function retry<T>(
  op: (attempt: number, remainingMs: number) => Promise<T>,
  p: RetryPolicy,
): Promise<T> {
  const now = p.now ?? Date.now;
  const deadline = now() + p.deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt, Math.max(0, deadline - now()));
    } catch (error) {
      const giveUp = (reason: "deadline" | "not-retryable") => {
        throw p.giveUp ? p.giveUp(error, { attempts: attempt + 1, reason }) : error;
      };
      if (p.retryable && !p.retryable(error)) giveUp("not-retryable");
      const delay = Math.max(backoffDelayMs(attempt, p), p.minDelayMs?.(error) ?? 0);
      if (now() + delay >= deadline) giveUp("deadline");
      p.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

const noop = (): void => {};

/**
 * Per-key serial execution: tasks for one key run one after another in call order (a task starts when the
 * previous one has settled, whatever its outcome); tasks for different keys run concurrently.
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<void>>();

  /** True while a task for `key` is queued or running. */
  busy(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.#tails.size;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const result = previous === undefined ? task() : previous.then(task);
    const tail = result.then(noop, noop);
    this.#tails.set(key, tail);
    tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Settles when every task queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
