import {
  type BatchCacheClient,
  type CacheHash,
  CacheUnavailableError,
  type Clock,
  type HealthStatus,
  healthStatus,
  type NamespacedCacheClient,
  opt,
  systemClock,
  ValidationError,
  type VersionedBatchCacheClient,
} from "@qts/contracts";
import { InMemoryCacheStore, type MemoryEntry } from "./memory-cache-store.js";
import {
  storedVersion,
  validateHash,
  validateKey,
  validateKeys,
  validateTtlMs,
  versionApplies,
  versionedHash,
} from "./validate.js";

export interface InMemoryCacheClientOptions {
  clock?: Clock | undefined;
  /**
   * Prepended to every key in the backing store, like the Redis client's namespace (default ""). Keys are
   * given and returned without it; `flushNamespace` touches only keys under it.
   */
  namespace?: string | undefined;
  /**
   * The backing store to share with other clients (e.g. two managers on different namespaces over one
   * in-process cache). Default: a private store of this client.
   */
  store?: InMemoryCacheStore | undefined;
  /**
   * Full sweep of expired entries after this many writes (default 1024), or after as many writes as entries
   * are held when that is more, so sweeping stays O(1) amortised per write.
   */
  sweepEveryWrites?: number | undefined;
}

const resolvedTrue = Promise.resolve(true);
const resolvedFalse = Promise.resolve(false);
const resolvedNull: Promise<CacheHash | null> = Promise.resolve(null);

/**
 * A Map of (hash, expiresAt) under `namespace + key`. Expired entries are never returned and are removed when
 * read; a sweep every `max(sweepEveryWrites, size)` writes (and `sweep()`) removes the rest, so memory stays
 * within about twice the live entries plus the writes since the last sweep. An entry expires when
 * `clock.now() >= setAt + ttlMs`. Stored hashes are frozen copies, and `get` returns that frozen copy.
 *
 * Clients given one `store` share it; each sees and flushes only its own namespace. With a shared store an
 * empty namespace and an empty prefix cannot be flushed (that would be every client's keys), and `close`
 * leaves the store to the others; a private store is emptied by `close`.
 */
export class InMemoryCacheClient
  implements NamespacedCacheClient, VersionedBatchCacheClient, BatchCacheClient
{
  readonly namespace: string;
  readonly #store: InMemoryCacheStore;
  readonly #entries: Map<string, MemoryEntry>;
  readonly #shared: boolean;
  readonly #clock: Clock;
  readonly #sweepEvery: number;
  #closed = false;

  constructor(options?: InMemoryCacheClientOptions) {
    const o = opt.object(options);
    this.#clock = opt.clock(o.clock, "clock", systemClock);
    this.namespace = opt.str(o.namespace, "namespace", "", true);
    if (o.store !== undefined && !(o.store instanceof InMemoryCacheStore)) {
      throw new ValidationError("store", o.store, "must be an InMemoryCacheStore");
    }
    this.#shared = o.store !== undefined;
    this.#store = o.store ?? new InMemoryCacheStore();
    this.#entries = this.#store.entries;
    this.#sweepEvery = opt.int(o.sweepEveryWrites, "sweepEveryWrites", 1024, 1);
  }

  /** Entries currently held in the backing store (of every namespace sharing it), expired or not (until swept). */
  get size(): number {
    return this.#store.size;
  }

  /**
   * The hot path: no async function and no promise per hit. The stored hash is frozen, so one resolved
   * promise of it serves every read; a miss shares one resolved `null`. The expiry check reads the clock on
   * every call (an entry is never returned at or after its expiry, even while the event loop is blocked).
   */
  get(key: string): Promise<CacheHash | null> {
    if (typeof key !== "string" || key === "") return rejected(() => validateKey(key));
    if (this.#closed) return Promise.reject(closedError());
    const k = this.namespace === "" ? key : this.namespace + key;
    const entry = this.#entries.get(k);
    if (entry === undefined) return resolvedNull;
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(k);
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
      this.#put(key, hash, ttl, this.#clock.now());
      return resolvedTrue;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The versioned write (`VersionedCacheClient`): stores the hash with `version` in its version field only
   * when the key is absent or expired, or `version` is newer than the cached one (or both are 0).
   */
  setIfNewer(key: string, mapping: Readonly<CacheHash>, ttlMs: number, version: number): Promise<boolean> {
    try {
      validateKey(key);
      const hash = Object.freeze(versionedHash(mapping, version));
      const ttl = validateTtlMs(ttlMs);
      if (this.#closed) throw closedError();
      const now = this.#clock.now();
      const entry = this.#entries.get(this.#full(key));
      const cached = entry === undefined || entry.expiresAt <= now ? null : storedVersion(entry.hash);
      if (!versionApplies(version, cached)) return resolvedFalse;
      this.#put(key, hash, ttl, now);
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

  /**
   * `setIfNewer` for many entries with one TTL; every entry is validated before any is written. Resolves to
   * how many were applied.
   */
  async setManyIfNewer(
    entries: Iterable<readonly [string, Readonly<CacheHash>, number]>,
    ttlMs: number,
  ): Promise<number> {
    const list = [...entries];
    validateTtlMs(ttlMs);
    for (const [key, mapping, version] of list) {
      validateKey(key);
      versionedHash(mapping, version);
    }
    let applied = 0;
    for (const [key, mapping, version] of list)
      if (await this.setIfNewer(key, mapping, ttlMs, version)) applied++;
    return applied;
  }

  async delete(key: string): Promise<boolean> {
    validateKey(key);
    if (this.#closed) throw closedError();
    const k = this.#full(key);
    const entry = this.#entries.get(k);
    if (entry === undefined) return false;
    this.#entries.delete(k);
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

  /**
   * Removes the entries under this namespace whose key starts with `prefix` (all of the namespace by
   * default); resolves to how many live ones went. On a shared store an empty namespace with an empty prefix
   * is refused (it would remove the other clients' keys).
   */
  async flushNamespace(prefix = ""): Promise<number> {
    if (typeof prefix !== "string") throw new ValidationError("prefix", prefix, "must be a string");
    const start = this.namespace + prefix;
    if (start === "" && this.#shared) {
      throw new ValidationError(
        "prefix",
        prefix,
        "must be non-empty when the namespace is empty on a shared store",
      );
    }
    if (this.#closed) throw closedError();
    const now = this.#clock.now();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (!key.startsWith(start)) continue;
      this.#entries.delete(key);
      if (entry.expiresAt > now) removed++;
    }
    return removed;
  }

  /** Removes every expired entry of the backing store; returns how many. */
  sweep(): number {
    return this.#store.sweep(this.#clock.now());
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

  /** Later calls reject; a private store is emptied, a shared one is left to the clients still using it. */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#shared) this.#entries.clear();
  }

  #full(key: string): string {
    return this.namespace === "" ? key : this.namespace + key;
  }

  #put(key: string, hash: Readonly<CacheHash>, ttl: number, now: number): void {
    this.#store.put(
      this.#full(key),
      { hash, expiresAt: now + ttl, resolved: undefined },
      now,
      this.#sweepEvery,
    );
  }

  #read(key: string, now: number): CacheHash | null {
    const k = this.#full(key);
    const entry = this.#entries.get(k);
    if (entry === undefined) return null;
    if (entry.expiresAt <= now) {
      this.#entries.delete(k);
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
