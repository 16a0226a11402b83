import { type CacheHash, CacheType, type Clock } from "@qts/contracts";
import type { GuardedCache } from "./guarded-cache.js";
import type { NearCache } from "./near-cache.js";
import type { Counters } from "./stats.js";

const { POSITION, PRICE } = CacheType;

/**
 * Reads and writes of plain hash entries (prices, generic entries) through the guarded cache, with the near
 * cache in front of the types it keeps. Keys arrive validated; safety checks are the manager's.
 */
export class HashEntries {
  readonly #guarded: GuardedCache;
  readonly #clock: Clock;
  /** The near cache of prices (keyed by symbol), else null: the hot path tests one field. */
  readonly #nearPrices: NearCache | null;
  /** The near cache of positions: a position written as a plain entry (`setCached`) is an own write too. */
  readonly #nearPositions: NearCache | null;
  readonly #pricePrefix: string;
  readonly #positionPrefix: string;
  readonly #priceCounters: Counters;

  constructor(parts: {
    guarded: GuardedCache;
    clock: Clock;
    nearPrices: NearCache | null;
    nearPositions: NearCache | null;
    prefix: Readonly<Record<CacheType, string>>;
    priceCounters: Counters;
  }) {
    this.#guarded = parts.guarded;
    this.#clock = parts.clock;
    this.#nearPrices = parts.nearPrices;
    this.#nearPositions = parts.nearPositions;
    this.#pricePrefix = parts.prefix.price;
    this.#positionPrefix = parts.prefix.position;
    this.#priceCounters = parts.priceCounters;
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
    return this.#guarded.read(PRICE, key, null); // no async frame of its own: this is the hot path
  }

  async #filling(key: string, near: NearCache): Promise<CacheHash | null> {
    const seq = near.seq;
    const started = this.#clock.now();
    const found = await this.#guarded.readWithTtl(PRICE, key, null);
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

  /** An own write: the near copy (price, or a position written as a plain entry) goes. */
  #drop(type: CacheType, key: string): void {
    if (type === PRICE) this.#nearPrices?.drop(key.slice(this.#pricePrefix.length));
    else if (type === POSITION) this.#nearPositions?.drop(key.slice(this.#positionPrefix.length));
  }
}
