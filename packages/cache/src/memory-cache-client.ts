import {
  type CacheHash,
  CacheUnavailableError,
  type Clock,
  healthStatus,
  type HealthStatus,
  type NamespacedCacheClient,
  systemClock,
} from "@qts/contracts";
import { validateHash, validateKey, validateTtlMs } from "./validate.js";

export interface InMemoryCacheClientOptions {
  clock?: Clock | undefined;
  /** Reported by `namespace`; keys are held as given. Default "". */
  namespace?: string | undefined;
  /** Full sweep of expired entries after this many writes (default 1024). */
  sweepEveryWrites?: number | undefined;
}

interface Entry {
  readonly hash: Readonly<CacheHash>;
  readonly expiresAt: number;
}

const resolvedTrue = Promise.resolve(true);

/**
 * A Map of (hash, expiresAt). Expired entries are never returned and are removed when read; a sweep every
 * `sweepEveryWrites` writes (and `sweep()`) removes the rest, so memory does not grow without bound.
 * Stored hashes are frozen copies, and `get` returns that frozen copy (no copy per read).
 */
export class InMemoryCacheClient implements NamespacedCacheClient {
  readonly namespace: string;
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #sweepEvery: number;
  #writesSinceSweep = 0;
  #closed = false;

  constructor(options: InMemoryCacheClientOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.namespace = options.namespace ?? "";
    this.#sweepEvery = options.sweepEveryWrites ?? 1024;
  }

  /** Entries currently held, expired or not (until swept). */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<CacheHash | null> {
    if (this.#closed) throw closedError();
    return this.#read(key, this.#clock.now());
  }

  set(key: string, mapping: Readonly<CacheHash>, ttlMs: number): Promise<boolean> {
    try {
      if (this.#closed) throw closedError();
      validateKey(key);
      const hash = Object.freeze({ ...validateHash(mapping) });
      const expiresAt = this.#clock.now() + validateTtlMs(ttlMs);
      this.#entries.set(key, { hash, expiresAt });
      if (++this.#writesSinceSweep >= this.#sweepEvery) this.sweep();
      return resolvedTrue;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sets many entries with one TTL. */
  async setMany(entries: Iterable<readonly [string, Readonly<CacheHash>]>, ttlMs: number): Promise<number> {
    let n = 0;
    for (const [key, mapping] of entries) {
      await this.set(key, mapping, ttlMs);
      n++;
    }
    return n;
  }

  async delete(key: string): Promise<boolean> {
    if (this.#closed) throw closedError();
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    return entry.expiresAt > this.#clock.now();
  }

  async getMany(keys: readonly string[]): Promise<Map<string, CacheHash | null>> {
    if (this.#closed) throw closedError();
    const now = this.#clock.now();
    const out = new Map<string, CacheHash | null>();
    for (const key of keys) out.set(key, this.#read(key, now));
    return out;
  }

  async flushNamespace(prefix = ""): Promise<number> {
    if (this.#closed) throw closedError();
    let removed = 0;
    for (const key of [...this.#entries.keys()]) {
      if (key.startsWith(prefix) && this.#entries.delete(key)) removed++;
    }
    return removed;
  }

  /** Removes every expired entry; returns how many. */
  sweep(): number {
    this.#writesSinceSweep = 0;
    const now = this.#clock.now();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async healthCheck(): Promise<HealthStatus> {
    const started = performance.now();
    return healthStatus({
      healthy: !this.#closed,
      source: "memory-cache",
      latencyMs: performance.now() - started,
      error: this.#closed ? "closed" : "",
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #read(key: string, now: number): CacheHash | null {
    const entry = this.#entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return null;
    }
    return entry.hash as CacheHash;
  }
}

function closedError(): CacheUnavailableError {
  return new CacheUnavailableError("InMemoryCacheClient is closed");
}
