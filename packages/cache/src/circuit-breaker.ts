import { type Clock, systemClock, ValidationError } from "@qts/contracts";

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
 * CLOSED -(failures >= threshold)-> OPEN -(recovery elapsed)-> HALF_OPEN; HALF_OPEN -success-> CLOSED,
 * HALF_OPEN -failure-> OPEN. Failures are counted consecutively and reset by a success. In HALF_OPEN exactly
 * one caller at a time is admitted as the probe: `canExecute()` returns true once and false to everyone
 * else until that probe records its success or failure.
 *
 * A success that arrives while OPEN (from a call admitted before the circuit opened) resets the failure count
 * but does not close the circuit: only a probe after the recovery time does. A failure while OPEN restarts the
 * recovery wait. Bad options throw `ValidationError`.
 *
 * The hot path (`canExecute` + `recordSuccess` while CLOSED) is two field reads and no allocation.
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
  readonly #listeners = new Set<CircuitStateListener>();

  constructor(options: CircuitBreakerOptions = {}) {
    const threshold = options.failureThreshold ?? 5;
    const recovery = options.recoveryTimeoutMs ?? 60_000;
    if (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < 1) {
      throw new ValidationError("failureThreshold", threshold, "must be an integer >= 1");
    }
    if (typeof recovery !== "number" || !Number.isFinite(recovery) || recovery < 0) {
      throw new ValidationError("recoveryTimeoutMs", recovery, "must be a finite number >= 0");
    }
    const probeTimeout = options.probeTimeoutMs ?? Math.max(recovery, 1);
    if (typeof probeTimeout !== "number" || !Number.isFinite(probeTimeout) || probeTimeout <= 0) {
      throw new ValidationError("probeTimeoutMs", probeTimeout, "must be a finite number > 0");
    }
    const clock = options.clock ?? systemClock;
    if (typeof clock !== "object" || clock === null || typeof clock.now !== "function") {
      throw new ValidationError("clock", clock, "must have a now() method");
    }
    this.failureThreshold = threshold;
    this.recoveryTimeoutMs = recovery;
    this.probeTimeoutMs = probeTimeout;
    this.#clock = clock;
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

  /** When the last failure was recorded, or null. */
  get lastFailureAt(): Date | null {
    return this.#lastFailureAt === null ? null : new Date(this.#lastFailureAt);
  }

  /** True when a call may go ahead. In HALF_OPEN only the single probe gets true. */
  canExecute(): boolean {
    if (this.#state === CircuitState.CLOSED) return true;
    if (this.#state === CircuitState.OPEN) {
      if (!this.#recoveryElapsed()) return false;
      this.#transition(CircuitState.HALF_OPEN);
    }
    const now = this.#clock.now();
    if (this.#probeInFlight && now - this.#probeStartedAt < this.probeTimeoutMs) return false;
    this.#probeInFlight = true;
    this.#probeStartedAt = now;
    return true;
  }

  /** Whether a HALF_OPEN probe has been admitted and has not reported yet. */
  get probeInFlight(): boolean {
    return this.#probeInFlight;
  }

  recordSuccess(): void {
    this.#failureCount = 0;
    if (this.#state === CircuitState.HALF_OPEN) {
      this.#probeInFlight = false;
      this.#transition(CircuitState.CLOSED);
    }
  }

  recordFailure(): void {
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
   * Releases a HALF_OPEN probe slot without judging the dependency (e.g. the probe call was skipped).
   * No-op in other states.
   */
  releaseProbe(): void {
    this.#probeInFlight = false;
  }

  /** Back to CLOSED with no failures (operator action). */
  reset(): void {
    this.#failureCount = 0;
    this.#openedAt = 0;
    this.#probeInFlight = false;
    this.#transition(CircuitState.CLOSED);
  }

  /** Subscribes to state changes; returns an unsubscribe function. A throwing listener is ignored. */
  onStateChange(listener: CircuitStateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #recoveryElapsed(): boolean {
    return this.#clock.now() - this.#openedAt >= this.recoveryTimeoutMs;
  }

  #open(): void {
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
      } catch {
        // A listener must never break the caller's cache operation.
      }
    }
  }
}
