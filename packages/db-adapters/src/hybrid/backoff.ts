/**
 * The retry wait of the Hybrid secondary channels (in-memory pipeline and outbox relay): full jitter up to
 * min(maxDelayMs, baseDelayMs * 2^(failures-1)), at most 50 ms while someone waits for a drain. `wake()`
 * cuts the current wait short (drain, pause, stop).
 */
export class Backoff {
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly baseDelayMs: number,
    readonly maxDelayMs: number,
  ) {}

  wait(failures: number, hurry: boolean): Promise<void> {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
    const delay = Math.random() * (hurry ? Math.min(cap, 50) : cap);
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, delay);
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
