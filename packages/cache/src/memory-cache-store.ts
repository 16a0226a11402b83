import type { CacheHash } from "@qts/contracts";

/** One cached hash and when it expires (`clock.now()` at or after `expiresAt`: gone). */
export interface MemoryEntry {
  readonly hash: Readonly<CacheHash>;
  readonly expiresAt: number;
  /** `Promise.resolve(hash)`, made by the first `get` and handed to every later one. */
  resolved: Promise<CacheHash> | undefined;
}

/**
 * The backing store of `InMemoryCacheClient`: a Map of full keys (`namespace + key`) to entries. Each client
 * makes its own unless given one; clients given the same store share it like processes sharing one Redis,
 * each seeing only the keys under its own namespace. A sweep (every `max(sweepEveryWrites, size)` writes,
 * or `sweep(now)`) removes expired entries of every namespace.
 */
export class InMemoryCacheStore {
  readonly entries = new Map<string, MemoryEntry>();
  #writesSinceSweep = 0;

  /** Entries held, of every namespace, expired or not (until swept). */
  get size(): number {
    return this.entries.size;
  }

  /** Stores an entry; sweeps when `sweepEvery` writes (and at least as many as entries) have passed. */
  put(key: string, entry: MemoryEntry, now: number, sweepEvery: number): void {
    this.entries.set(key, entry);
    if (++this.#writesSinceSweep >= sweepEvery && this.#writesSinceSweep >= this.entries.size)
      this.sweep(now);
  }

  /** Removes every entry expired at `now`; returns how many. */
  sweep(now: number): number {
    this.#writesSinceSweep = 0;
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
