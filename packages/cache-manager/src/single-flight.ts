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
