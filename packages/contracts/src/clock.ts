/** A source of the current time in epoch milliseconds; inject a `ManualClock` in tests. */
export interface Clock {
  now(): number;
}

/** Real time (`Date.now()`). */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/** The shared system clock. */
export const systemClock: Clock = new SystemClock();

/** A clock that only moves when told to: `advance(ms)` or `set(epochMs)`. */
export class ManualClock implements Clock {
  #now: number;

  constructor(startEpochMs = 0) {
    if (!Number.isFinite(startEpochMs)) throw new RangeError("ManualClock start must be finite");
    this.#now = startEpochMs;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("ManualClock.advance needs a finite ms >= 0");
    this.#now += ms;
    return this.#now;
  }

  set(epochMs: number): void {
    if (!Number.isFinite(epochMs)) throw new RangeError("ManualClock.set needs a finite epoch ms");
    this.#now = epochMs;
  }
}
