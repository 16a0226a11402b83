/**
 * Keys whose cache entry may be older than the store because a write or delete of them was not confirmed
 * (refused by the open circuit, failed, timed out). They are not served and are deleted once the cache is
 * back, so an outage cannot leave a long-TTL entry (orders, strategies: 60 s) stale after recovery.
 * Each mark has a sequence number, so a delete or write that was sent before the key was marked again does
 * not clear the newer mark (`settle`). Bounded: beyond `limit` keys the oldest are forgotten (they still
 * expire by their TTL).
 */
export class DeferredInvalidations {
  readonly #keys = new Map<string, number>();
  readonly #limit: number;
  #seq = 0;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** The number of the latest mark: read it before sending a call, give it to `settle` after. */
  get seq(): number {
    return this.#seq;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string): void {
    this.#keys.delete(key);
    this.#keys.set(key, ++this.#seq);
    if (this.#keys.size > this.#limit) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }

  /** Forgets `key` unless it was marked again after mark number `seq` (a call sent then confirmed it). */
  settle(key: string, seq: number): void {
    const marked = this.#keys.get(key);
    if (marked !== undefined && marked <= seq) this.#keys.delete(key);
  }

  /** A snapshot of the marked keys, oldest first. */
  keys(): string[] {
    return [...this.#keys.keys()];
  }

  clear(): void {
    this.#keys.clear();
  }
}
