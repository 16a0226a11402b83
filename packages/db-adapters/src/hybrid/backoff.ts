import { backoffDelayMs } from "@qts/contracts";

/** setTimeout's largest delay (a larger one fires at once). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The retry wait of the Hybrid secondary channels (in-memory pipeline and outbox relay): full jitter up to
 * min(maxDelayMs, baseDelayMs * 2^(failures-1)) (the one `backoffDelayMs`), at most 50 ms while someone waits
 * for a drain. `wake()` cuts the current wait short (drain, pause, stop). Lanes time their own retries with
 * `delayFor` (a failed write waits; other lanes go on).
 */
export class Backoff {
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly baseDelayMs: number,
    readonly maxDelayMs: number,
  ) {}

  /** The wait before attempt `failures + 1` (full jitter); at most 50 ms with `hurry`. */
  delayFor(failures: number, hurry = false): number {
    const policy = {
      baseDelayMs: this.baseDelayMs,
      maxDelayMs: hurry ? Math.min(this.maxDelayMs, 50) : this.maxDelayMs,
    };
    return backoffDelayMs(Math.max(failures, 1) - 1, policy);
  }

  wait(failures: number, hurry: boolean): Promise<void> {
    return this.sleep(this.delayFor(failures, hurry));
  }

  /** Waits `ms` (or until `wake()`). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, Math.min(Math.max(0, ms), MAX_TIMER_MS));
      this.#timer.unref?.();
    }).finally(() => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#wake = null;
    });
  }

  wake(): void {
    this.#wake?.();
  }
}
