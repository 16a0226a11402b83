import type { Clock } from "@qts/contracts";

interface Entry {
  readonly value: unknown;
  /** Never later than the Redis entry's own expiry (read start + the PTTL Redis reported). */
  readonly expiresAt: number;
  /** Read since it was stored or last given a second chance (CLOCK eviction). */
  used: boolean;
  /** `value` as a settled promise, made at the first hit and handed to every later one (no allocation). */
  resolved: Promise<unknown> | undefined;
}

/** What `CacheManager.nearCacheStats()` reports. */
export interface NearCacheStats {
  /** Serving from process memory now (tracking in place, circuit CLOSED, cache enabled). */
  readonly active: boolean;
  readonly entries: number;
  readonly maxEntries: number;
  /** Reads answered from process memory. */
  readonly hits: number;
  /** Entries stored after a read from Redis. */
  readonly fills: number;
  /** Keys dropped by invalidation messages (a `null` message counts once). */
  readonly invalidations: number;
  /** Times the near cache was cleared because tracking was lost, the circuit opened or LOCKDOWN began. */
  readonly bypasses: number;
}

/**
 * The in-process L1 in front of Redis: decoded values of one type by symbol (no key concatenation on the hit path), bounded, each entry expiring no
 * later than its Redis entry. Eviction approximates LRU with CLOCK (second chance): a hit only sets a flag;
 * when full, the oldest entries in insertion order that were read are moved to the end with the flag cleared,
 * and the first one not read since goes. (Re-inserting on every hit, a Map delete + set, measured ~1 µs per
 * hit with 100 symbols in rotation: more than the rest of the hit path.) It serves only while `active`: tracking is in place (`RedisInvalidationTracker`), the circuit
 * is CLOSED and the safety state lets the cache be used; leaving any of those clears it.
 *
 * A read that was in flight when anything was invalidated (or dropped by a write of this process) does not
 * fill (`seq`): it may have been answered before the change. One counter for all keys keeps the hot path free
 * of bookkeeping; the cost is a skipped fill now and then while other keys are written.
 */
export class NearCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #clock: Clock;
  #tracking = false;
  #circuitClosed = true;
  #cacheEnabled = true;
  /** The manager is closing: never serves again (so the hot path needs no check of its own). */
  #closed = false;
  #active = false;
  #seq = 0;
  #hits = 0;
  #fills = 0;
  #invalidations = 0;
  #bypasses = 0;

  constructor(maxEntries: number, clock: Clock) {
    this.#max = maxEntries;
    this.#clock = clock;
  }

  get active(): boolean {
    return this.#active;
  }

  /** Read it before a read from Redis; give it to `put` after. */
  get seq(): number {
    return this.#seq;
  }

  /** The value stored for `key` while it has not expired, or undefined. */
  get(key: string): unknown {
    return this.#live(key)?.value;
  }

  /** The hot path: `get` as a settled promise, the same one for every hit of the entry (no allocation). */
  hit(key: string): Promise<unknown> | undefined {
    const entry = this.#live(key);
    if (entry === undefined) return undefined;
    if (entry.resolved === undefined) entry.resolved = Promise.resolve(entry.value);
    return entry.resolved;
  }

  /** A Map lookup and an expiry check; counts the hit and marks the entry read (CLOCK). */
  #live(key: string): Entry | undefined {
    if (!this.#active) return undefined;
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    if (!entry.used) entry.used = true;
    this.#hits++;
    return entry;
  }

  /** Stores a value read from Redis when nothing changed since `seq` and it has not expired yet. */
  put(key: string, value: unknown, expiresAt: number, seq: number): void {
    if (!this.#active || seq !== this.#seq || !(expiresAt > this.#clock.now())) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt, used: false, resolved: undefined });
    this.#fills++;
    if (this.#entries.size > this.#max) this.#evictOne();
  }

  /** CLOCK: the oldest entry not read since its last chance goes (at most one pass over the entries). */
  #evictOne(): void {
    const entries = this.#entries;
    for (let turns = entries.size; turns > 0; turns--) {
      const next = entries.entries().next();
      if (next.done === true) return;
      const [key, entry] = next.value;
      entries.delete(key);
      if (!entry.used) return;
      entry.used = false;
      entries.set(key, entry);
    }
    const oldest = entries.keys().next().value; // every entry was read: the oldest goes
    if (oldest !== undefined) entries.delete(oldest);
  }

  /** A write of this process: the entry goes now (and reads in flight do not fill). */
  drop(key: string): void {
    this.#seq++;
    this.#entries.delete(key);
  }

  /** Invalidation message: these symbols, or everything for `null`. */
  invalidate(keys: readonly string[] | null): void {
    this.#seq++;
    this.#invalidations++;
    if (keys === null) {
      this.#entries.clear();
      return;
    }
    for (const key of keys) this.#entries.delete(key);
  }

  clear(): void {
    this.#seq++;
    this.#entries.clear();
  }

  setTracking(on: boolean): void {
    this.#tracking = on;
    this.#update();
  }

  setCircuitClosed(closed: boolean): void {
    this.#circuitClosed = closed;
    this.#update();
  }

  setCacheEnabled(enabled: boolean): void {
    this.#cacheEnabled = enabled;
    this.#update();
  }

  /** For good (the manager is closing): cleared, and never active again. */
  shutDown(): void {
    this.#closed = true;
    this.#update();
  }

  stats(): NearCacheStats {
    return Object.freeze({
      active: this.#active,
      entries: this.#entries.size,
      maxEntries: this.#max,
      hits: this.#hits,
      fills: this.#fills,
      invalidations: this.#invalidations,
      bypasses: this.#bypasses,
    });
  }

  #update(): void {
    const active = this.#tracking && this.#circuitClosed && this.#cacheEnabled && !this.#closed;
    if (this.#active && !active && !this.#closed) this.#bypasses++;
    // Cleared on every change: entries from before a loss may have missed invalidations, and entries from
    // before tracking (re)started were read when nothing reported changes.
    if (active !== this.#active) this.clear();
    this.#active = active;
  }
}
