import { CacheUnavailableError, type Clock, opt, systemClock } from "@qts/contracts";

export const CircuitState = Object.freeze({
  CLOSED: "CLOSED",
  OPEN: "OPEN",
  HALF_OPEN: "HALF_OPEN",
} as const);
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number | undefined;
  /** Time OPEN before a probe is allowed (default 60 000 ms). */
  recoveryTimeoutMs?: number | undefined;
  /**
   * A HALF_OPEN probe that has reported neither success nor failure after this long is presumed lost, and the
   * next caller becomes the probe (so a forgotten probe cannot wedge the breaker). Default: `recoveryTimeoutMs`,
   * at least 1 ms.
   */
  probeTimeoutMs?: number | undefined;
  clock?: Clock | undefined;
}

export type CircuitStateListener = (to: CircuitState, from: CircuitState) => void;

/**
 * What `admit()` hands out: `REFUSED` (0) when the call may not go ahead, otherwise a positive number to give
 * back to `recordSuccess(token)` / `recordFailure(token)`.
 */
export type CallToken = number;
export const REFUSED: CallToken = 0;

/**
 * CLOSED -(failures >= threshold)-> OPEN -(recovery elapsed)-> HALF_OPEN; HALF_OPEN -success-> CLOSED,
 * HALF_OPEN -failure-> OPEN. Failures are counted consecutively and reset by a success. In HALF_OPEN exactly
 * one caller at a time is admitted as the probe: `canExecute()` returns true once and false to everyone
 * else until that probe records its success or failure.
 *
 * **Call tokens.** `execute(fn)` owns the whole protocol. Callers that want the allocation-free path use
 * `admit()` and pass its token to `recordSuccess(token)` / `recordFailure(token)`. A token belongs to one
 * epoch of the circuit (a new epoch starts whenever the circuit opens and whenever a probe is admitted), and
 * only a result from the current epoch counts: in HALF_OPEN only the admitted probe's result can close or
 * re-open the circuit, and a late result of a call admitted before the circuit opened changes nothing
 * (neither the state, nor the failure count, nor the recovery wait).
 *
 * Without a token (`canExecute()` then `recordSuccess()`), the SPEC semantics of stage 1 hold: a success in
 * HALF_OPEN closes the circuit whoever reports it; a success that arrives while OPEN resets the failure count
 * but does not close the circuit; a failure while OPEN restarts the recovery wait. Bad options throw
 * `ValidationError`.
 *
 * The hot path (`admit`/`canExecute` + `recordSuccess` while CLOSED) is a few field reads and no allocation.
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly recoveryTimeoutMs: number;
  readonly probeTimeoutMs: number;
  readonly #clock: Clock;
  #state: CircuitState = CircuitState.CLOSED;
  #failureCount = 0;
  #lastFailureAt: number | null = null;
  #openedAt = 0;
  #probeInFlight = false;
  #probeStartedAt = 0;
  /** Tokens of the current epoch are the only ones whose results count. */
  #epoch = 1;
  readonly #listeners = new Set<CircuitStateListener>();
  #listenerErrors = 0;
  #lastListenerError: unknown;

  constructor(options?: CircuitBreakerOptions) {
    const o = opt.object(options);
    this.failureThreshold = opt.int(o.failureThreshold, "failureThreshold", 5, 1);
    this.recoveryTimeoutMs = opt.ms(o.recoveryTimeoutMs, "recoveryTimeoutMs", 60_000);
    this.probeTimeoutMs = opt.positiveMs(
      o.probeTimeoutMs,
      "probeTimeoutMs",
      Math.max(this.recoveryTimeoutMs, 1),
    );
    this.#clock = opt.clock(o.clock, "clock", systemClock);
  }

  /** The current state; an OPEN circuit whose recovery time has elapsed reports HALF_OPEN. */
  get state(): CircuitState {
    if (this.#state === CircuitState.OPEN && this.#recoveryElapsed())
      this.#transition(CircuitState.HALF_OPEN);
    return this.#state;
  }

  get failureCount(): number {
    return this.#failureCount;
  }

  /** State-change listeners that threw (each is caught so the caller's operation goes on). */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  /** What the last throwing listener threw, or undefined. */
  get lastListenerError(): unknown {
    return this.#lastListenerError;
  }

  /** When the last failure was recorded, or null. */
  get lastFailureAt(): Date | null {
    return this.#lastFailureAt === null ? null : new Date(this.#lastFailureAt);
  }

  /** True when a call may go ahead. In HALF_OPEN only the single probe gets true. */
  canExecute(): boolean {
    return this.admit() !== REFUSED;
  }

  /**
   * Admits a call: `REFUSED` (0) when it may not go ahead, otherwise its token. In HALF_OPEN only the single
   * probe gets a token (see `isProbe`).
   */
  admit(): CallToken {
    if (this.#state === CircuitState.CLOSED) return this.#epoch;
    if (this.#state === CircuitState.OPEN) {
      if (!this.#recoveryElapsed()) return REFUSED;
      this.#transition(CircuitState.HALF_OPEN);
    }
    const now = this.#clock.now();
    if (this.#probeInFlight && now - this.#probeStartedAt < this.probeTimeoutMs) return REFUSED;
    this.#probeInFlight = true;
    this.#probeStartedAt = now;
    return ++this.#epoch;
  }

  /** True when `token` is the HALF_OPEN probe's: its result decides whether the circuit closes. */
  isProbe(token: CallToken): boolean {
    return token === this.#epoch && this.#probeInFlight && this.#state === CircuitState.HALF_OPEN;
  }

  /** Whether a HALF_OPEN probe has been admitted and has not reported yet. */
  get probeInFlight(): boolean {
    return this.#probeInFlight;
  }

  /**
   * Runs `fn` under the breaker: rejects with `CacheUnavailableError` when refused (nothing runs), otherwise
   * records `fn`'s outcome with its token and settles as `fn` did. `fn` is told whether it is the HALF_OPEN
   * probe, so it can do what must happen before the circuit reports CLOSED (its success closes it).
   */
  async execute<T>(fn: (probe: boolean) => Promise<T> | T): Promise<T> {
    const token = this.admit();
    if (token === REFUSED) throw new CacheUnavailableError(`circuit ${this.#state}: call refused`);
    let result: T;
    try {
      result = await fn(this.isProbe(token));
    } catch (error) {
      this.recordFailure(token);
      throw error;
    }
    this.recordSuccess(token);
    return result;
  }

  /** A call succeeded; with a token, only a call of the current epoch counts (see the class comment). */
  recordSuccess(token?: CallToken): void {
    if (token !== undefined && token !== this.#epoch) return;
    this.#failureCount = 0;
    if (this.#state === CircuitState.HALF_OPEN) {
      this.#probeInFlight = false;
      this.#transition(CircuitState.CLOSED);
    }
  }

  /** A call failed; with a token, only a call of the current epoch counts (see the class comment). */
  recordFailure(token?: CallToken): void {
    if (token !== undefined && token !== this.#epoch) return;
    this.#failureCount++;
    this.#lastFailureAt = this.#clock.now();
    if (this.#state === CircuitState.HALF_OPEN) {
      this.#probeInFlight = false;
      this.#open();
    } else if (this.#state === CircuitState.CLOSED && this.#failureCount >= this.failureThreshold) {
      this.#open();
    } else if (this.#state === CircuitState.OPEN) {
      // A late failure from a call admitted before the circuit opened: restart the recovery wait.
      this.#openedAt = this.#lastFailureAt;
    }
  }

  /**
   * Releases a HALF_OPEN probe slot without judging the dependency (e.g. the probe call was skipped); with a
   * token, only when it is the probe's. No-op in other states.
   */
  releaseProbe(token?: CallToken): void {
    if (token !== undefined && !this.isProbe(token)) return;
    this.#probeInFlight = false;
  }

  /** Back to CLOSED with no failures (operator action). */
  reset(): void {
    this.#epoch++;
    this.#failureCount = 0;
    this.#openedAt = 0;
    this.#probeInFlight = false;
    this.#transition(CircuitState.CLOSED);
  }

  /** Subscribes to state changes; returns an unsubscribe function. A throwing listener is counted (`listenerErrors`). */
  onStateChange(listener: CircuitStateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #recoveryElapsed(): boolean {
    return this.#clock.now() - this.#openedAt >= this.recoveryTimeoutMs;
  }

  #open(): void {
    this.#epoch++; // results of calls admitted before now are late: they no longer count
    this.#openedAt = this.#clock.now();
    this.#transition(CircuitState.OPEN);
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    for (const listener of this.#listeners) {
      try {
        listener(to, from);
      } catch (error) {
        // A listener must never break the caller's cache operation; its failure is counted, not lost.
        this.#listenerErrors++;
        this.#lastListenerError = error;
      }
    }
  }
}
