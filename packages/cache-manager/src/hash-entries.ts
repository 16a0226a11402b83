import type { CacheHash, CacheType, Clock } from "@qts/contracts";
import type { GuardedCache } from "./guarded-cache.js";
import type { NearCache } from "./near-cache.js";
import type { Counters } from "./stats.js";

/**
 * Reads and writes of plain hash entries (prices, generic entries) through the guarded cache, with the near
 * cache in front of the types it keeps. Keys arrive validated; safety checks are the manager's.
 */
export class HashEntries {
  readonly #guarded: GuardedCache;
  readonly #clock: Clock;
  /** The near cache of prices (keyed by symbol), else null: the hot path tests one field. */
  readonly #nearPrices: NearCache | null;
  readonly #pricePrefix: string;
  readonly #priceCounters: Counters;
  readonly #price: CacheType;

  constructor(
    g: GuardedCache,
    clock: Clock,
    nearPrices: NearCache | null,
    pricePrefix: string,
    price: CacheType,
    priceCounters: Counters,
  ) {
    this.#guarded = g;
    this.#clock = clock;
    this.#nearPrices = nearPrices;
    this.#pricePrefix = pricePrefix;
    this.#price = price;
    this.#priceCounters = priceCounters;
  }

  /** The near cache's copy of a price as a settled promise (counted as a hit), or undefined. */
  nearPrice(symbol: string): Promise<CacheHash> | undefined {
    const near = this.#nearPrices;
    if (near === null) return undefined;
    const hit = near.hit(symbol) as Promise<CacheHash> | undefined;
    if (hit !== undefined) this.#priceCounters.hits++;
    return hit;
  }

  /** A price: a near hit (a Map lookup and an expiry check), else one guarded read (filling the near cache). */
  price(key: string): Promise<CacheHash | null> {
    const near = this.#nearPrices;
    if (near !== null) {
      const hit = this.nearPrice(key.slice(this.#pricePrefix.length));
      if (hit !== undefined) return hit;
      if (near.active) return this.#filling(key, near);
    }
    return this.#guarded.read(this.#price, key, null); // no async frame of its own: this is the hot path
  }

  async #filling(key: string, near: NearCache): Promise<CacheHash | null> {
    const seq = near.seq;
    const started = this.#clock.now();
    const found = await this.#guarded.readWithTtl(this.#price, key, null);
    if (found === null) return null;
    const hash = Object.freeze(found.hash);
    near.put(key.slice(this.#pricePrefix.length), hash, started + found.ttlMs, seq);
    return hash;
  }

  /** A write of this process: its near entry goes before the write is sent and again before it resolves. */
  async set(type: CacheType, key: string, hash: Readonly<CacheHash>, ttlMs: number): Promise<void> {
    this.#drop(type, key);
    try {
      await this.#guarded.set(type, key, hash, ttlMs);
    } finally {
      this.#drop(type, key);
    }
  }

  async delete(type: CacheType, key: string): Promise<boolean> {
    this.#drop(type, key);
    try {
      return await this.#guarded.delete(type, key);
    } finally {
      this.#drop(type, key);
    }
  }

  #drop(type: CacheType, key: string): void {
    if (type === this.#price) this.#nearPrices?.drop(key.slice(this.#pricePrefix.length));
  }
}
