const noop = (): void => {};

/**
 * Single flight: concurrent `run(key, fn)` calls for one key share one execution of `fn`. `forget(key)`
 * detaches the current flight so later callers start a fresh one (used after a write).
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>();

  get size(): number {
    return this.#flights.size;
  }

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.#flights.get(key);
    if (existing !== undefined) return existing;
    const flight = fn();
    this.#flights.set(key, flight);
    const done = (): void => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    flight.then(done, done);
    return flight;
  }

  forget(key: string): void {
    this.#flights.delete(key);
  }
}

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
