/**
 * Keys whose invalidation could not reach the cache (error or open circuit). They are deleted once the circuit
 * closes again, so an outage cannot leave a long-TTL entry (orders, strategies: 60 s) stale after recovery.
 * Bounded: beyond `limit` keys the oldest are forgotten (they still expire by their TTL).
 */
export class DeferredInvalidations {
  readonly #keys = new Set<string>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#keys.size;
  }

  add(key: string): void {
    this.#keys.delete(key);
    this.#keys.add(key);
    if (this.#keys.size > this.#limit) {
      const oldest = this.#keys.values().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#keys.delete(key);
  }

  /** Every remembered key, removed from the set. */
  take(): string[] {
    const keys = [...this.#keys];
    this.#keys.clear();
    return keys;
  }

  clear(): void {
    this.#keys.clear();
  }
}
