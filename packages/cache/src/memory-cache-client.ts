import {
  type CacheHash,
  CacheUnavailableError,
  type Clock,
  type HealthStatus,
  healthStatus,
  type NamespacedCacheClient,
  systemClock,
  ValidationError,
} from "@qts/contracts";
import { validateHash, validateKey, validateKeys, validateTtlMs } from "./validate.js";

export interface InMemoryCacheClientOptions {
  clock?: Clock | undefined;
  /** Reported by `namespace`; keys are held as given. Default "". */
  namespace?: string | undefined;
  /**
   * Full sweep of expired entries after this many writes (default 1024), or after as many writes as entries
   * are held when that is more, so sweeping stays O(1) amortised per write.
   */
  sweepEveryWrites?: number | undefined;
}

interface Entry {
  readonly hash: Readonly<CacheHash>;
  readonly expiresAt: number;
  /** `Promise.resolve(hash)`, made by the first `get` and handed to every later one. */
  resolved: Promise<CacheHash> | undefined;
}

const resolvedTrue = Promise.resolve(true);
const resolvedNull: Promise<CacheHash | null> = Promise.resolve(null);

/**
 * A Map of (hash, expiresAt). Expired entries are never returned and are removed when read; a sweep every
 * `max(sweepEveryWrites, size)` writes (and `sweep()`) removes the rest, so memory stays within about twice
 * the live entries plus the writes since the last sweep. An entry expires when `clock.now() >= setAt + ttlMs`.
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
    const sweepEvery = options.sweepEveryWrites ?? 1024;
    if (!Number.isInteger(sweepEvery) || sweepEvery < 1) {
      throw new ValidationError("sweepEveryWrites", sweepEvery, "must be an integer >= 1");
    }
    this.#sweepEvery = sweepEvery;
  }

  /** Entries currently held, expired or not (until swept). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The hot path: no async function and no promise per hit. The stored hash is frozen, so one resolved
   * promise of it serves every read; a miss shares one resolved `null`. The expiry check reads the clock on
   * every call (an entry is never returned at or after its expiry, even while the event loop is blocked).
   */
  get(key: string): Promise<CacheHash | null> {
    if (typeof key !== "string" || key === "") return rejected(() => validateKey(key));
    if (this.#closed) return Promise.reject(closedError());
    const entry = this.#entries.get(key);
    if (entry === undefined) return resolvedNull;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return resolvedNull;
    }
    if (entry.resolved === undefined) entry.resolved = Promise.resolve(entry.hash as CacheHash);
    return entry.resolved;
  }

  set(key: string, mapping: Readonly<CacheHash>, ttlMs: number): Promise<boolean> {
    try {
      validateKey(key);
      const hash = Object.freeze({ ...validateHash(mapping) });
      const ttl = validateTtlMs(ttlMs);
      if (this.#closed) throw closedError();
      this.#entries.set(key, { hash, expiresAt: this.#clock.now() + ttl, resolved: undefined });
      if (++this.#writesSinceSweep >= this.#sweepEvery && this.#writesSinceSweep >= this.#entries.size)
        this.sweep();
      return resolvedTrue;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sets many entries with one TTL; every entry is validated before any is written. Resolves to the count. */
  async setMany(entries: Iterable<readonly [string, Readonly<CacheHash>]>, ttlMs: number): Promise<number> {
    const list = [...entries];
    validateTtlMs(ttlMs);
    for (const [key, mapping] of list) {
      validateKey(key);
      validateHash(mapping);
    }
    for (const [key, mapping] of list) await this.set(key, mapping, ttlMs);
    return list.length;
  }

  async delete(key: string): Promise<boolean> {
    validateKey(key);
    if (this.#closed) throw closedError();
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    return entry.expiresAt > this.#clock.now();
  }

  async getMany(keys: readonly string[]): Promise<Map<string, CacheHash | null>> {
    validateKeys(keys);
    if (this.#closed) throw closedError();
    const now = this.#clock.now();
    const out = new Map<string, CacheHash | null>();
    for (const key of keys) out.set(key, this.#read(key, now));
    return out;
  }

  /** Removes the entries whose key starts with `prefix` (all by default); resolves to how many live ones went. */
  async flushNamespace(prefix = ""): Promise<number> {
    if (typeof prefix !== "string") throw new ValidationError("prefix", prefix, "must be a string");
    if (this.#closed) throw closedError();
    const now = this.#clock.now();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (!key.startsWith(prefix)) continue;
      this.#entries.delete(key);
      if (entry.expiresAt > now) removed++;
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

/** The rejection of a validation that throws (kept off the hot path). */
function rejected(validate: () => unknown): Promise<never> {
  try {
    validate();
  } catch (error) {
    return Promise.reject(error);
  }
  return Promise.reject(new ValidationError("key", undefined, "is invalid"));
}

function closedError(): CacheUnavailableError {
  return new CacheUnavailableError("InMemoryCacheClient is closed");
}
