import { CacheUnavailableError } from "@qts/contracts";

interface Pending {
  readonly deadline: number;
  readonly reject: (error: unknown) => void;
  done: boolean;
}

/**
 * Per-call timeouts without a timer per call. Every wrapped call gets the same timeout, so deadlines are
 * monotonic in arrival order: a FIFO queue checked by ONE shared, unref'd interval timer ("coarse timer
 * wheel"). A call that has not settled by its deadline is rejected with `CacheUnavailableError` when the
 * next tick runs, i.e. between `timeoutMs` and `timeoutMs + tickMs` after it started. The timer runs only
 * while calls are pending and stops itself when the queue drains.
 */
export class DeadlineQueue {
  readonly timeoutMs: number;
  readonly tickMs: number;
  readonly #timeoutError: (timeoutMs: number) => unknown;
  #queue: Pending[] = [];
  #head = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  #closed = false;
  /** Calls wrapped and not yet settled or expired (exact, unlike `pending`). */
  #active = 0;
  /** Callers waiting for `active` to go down (deadlines in arrival order), woken one per finished call. */
  readonly #slotWaiters: { readonly deadline: number; readonly resolve: (ok: boolean) => void }[] = [];

  /**
   * @param timeoutMs the limit every wrapped call gets.
   * @param tickMs how often the shared timer checks (default `timeoutMs / 4`, at most 25 ms).
   * @param timeoutError what a timed-out call rejects with (default a `CacheUnavailableError`).
   */
  constructor(
    timeoutMs: number,
    tickMs = Math.max(1, Math.min(25, Math.floor(timeoutMs / 4))),
    timeoutError: (timeoutMs: number) => unknown = (ms) =>
      new CacheUnavailableError(`cache call timed out after ${ms} ms`),
  ) {
    this.timeoutMs = timeoutMs;
    this.tickMs = tickMs;
    this.#timeoutError = timeoutError;
  }

  /** Calls still waiting (settled calls may be counted until the next tick). */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Calls wrapped that have neither settled nor expired. */
  get active(): number {
    return this.#active;
  }

  /**
   * Resolves true once fewer than `limit` calls are active (at once when they already are), false after
   * `timeoutMs` (checked by the shared timer: no timer per waiter). Waiters are woken one per finished call,
   * in arrival order.
   */
  waitForSlot(limit: number, timeoutMs: number): Promise<boolean> {
    if (this.#active < limit) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      this.#slotWaiters.push({ deadline: performance.now() + timeoutMs, resolve });
      if (this.#timer === null) this.#arm();
    });
  }

  #finished(): void {
    this.#active--;
    const waiter = this.#slotWaiters.shift();
    if (waiter !== undefined) waiter.resolve(true);
  }

  /** True while the shared timer is armed. */
  get timerActive(): boolean {
    return this.#timer !== null;
  }

  /** `promise`, or a rejection with `CacheUnavailableError` once it has taken longer than the timeout. */
  wrap<T>(promise: Promise<T>): Promise<T> {
    if (this.#closed) return promise;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: performance.now() + this.timeoutMs, reject, done: false };
      this.#queue.push(entry);
      this.#active++;
      if (this.#timer === null) this.#arm();
      promise.then(
        (value) => {
          if (!entry.done) this.#finished();
          entry.done = true;
          resolve(value);
        },
        (error: unknown) => {
          if (!entry.done) this.#finished();
          entry.done = true;
          reject(error);
        },
      );
    });
  }

  /** Rejects every pending call now and stops the timer; later calls are no longer timed. */
  close(): void {
    this.#closed = true;
    this.#expire(Number.POSITIVE_INFINITY);
    for (const w of this.#slotWaiters.splice(0)) w.resolve(false);
    this.#disarm();
  }

  #arm(): void {
    this.#timer = setInterval(() => this.#tick(), this.tickMs);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    const now = performance.now();
    this.#expire(now);
    const waiters = this.#slotWaiters;
    while (waiters.length > 0 && waiters[0]!.deadline <= now) waiters.shift()!.resolve(false);
    if (this.#head >= this.#queue.length && waiters.length === 0) this.#disarm();
  }

  #expire(now: number): void {
    const queue = this.#queue;
    let head = this.#head;
    while (head < queue.length) {
      const entry = queue[head]!;
      if (!entry.done) {
        if (entry.deadline > now) break;
        entry.done = true;
        this.#finished();
        entry.reject(this.#timeoutError(this.timeoutMs));
      }
      head++;
    }
    if (head >= queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.#queue = queue.slice(head);
      this.#head = 0;
    } else {
      this.#head = head;
    }
  }
}
