import type { CircuitBreaker, DeadlineQueue } from "@qts/cache";
import {
  type CacheClient,
  type CacheHash,
  type CacheType,
  CacheUnavailableError,
  isNamespacedCacheClient,
} from "@qts/contracts";
import { DeferredInvalidations } from "./deferred-invalidations.js";
import { asCacheUnavailable, withTimeout } from "./helpers.js";
import type { Counters } from "./stats.js";

/**
 * The cache client behind the circuit breaker and the per-call deadline: every call asks `canExecute()`,
 * records its success or failure (timeouts are failures) and counts errors per cache type. Writes are
 * strict (`set`/`delete` reject with `CacheUnavailableError`) or quiet (`trySet`/`tryDelete` resolve false).
 * Deletes that could not reach the cache are remembered and replayed by `drainDeferred()`.
 */
export class GuardedCache {
  readonly client: CacheClient;
  readonly breaker: CircuitBreaker;
  readonly #deadlines: DeadlineQueue | null;
  readonly #counters: Readonly<Record<CacheType, Counters>>;
  /** Keys written, for `flush()` on a client that cannot flush by prefix; null when it can. */
  readonly #ownedKeys: Set<string> | null;
  readonly #inflightWrites = new Set<Promise<unknown>>();
  readonly #deferred = new DeferredInvalidations();

  constructor(
    client: CacheClient,
    breaker: CircuitBreaker,
    deadlines: DeadlineQueue | null,
    counters: Readonly<Record<CacheType, Counters>>,
  ) {
    this.client = client;
    this.breaker = breaker;
    this.#deadlines = deadlines;
    this.#counters = counters;
    this.#ownedKeys = isNamespacedCacheClient(client) ? null : new Set();
  }

  /** Deletes waiting for the cache to come back. */
  get deferredCount(): number {
    return this.#deferred.size;
  }

  /** `promise` under the per-call deadline (as is when the client's own timeout is trusted). */
  timed<T>(promise: Promise<T>): Promise<T> {
    return this.#deadlines === null ? promise : this.#deadlines.wrap(promise);
  }

  /** A cache call failed: one error for `type`, one failure for the breaker. */
  failed(type: CacheType): void {
    this.#counters[type].errors++;
    this.breaker.recordFailure();
  }

  /** Deletes `key` once the circuit closes again. */
  remember(key: string): void {
    this.#deferred.add(key);
  }

  async set(type: CacheType, key: string, hash: Readonly<CacheHash>, ttlMs: number): Promise<void> {
    if (!this.breaker.canExecute())
      throw new CacheUnavailableError(`circuit open: cache write of ${key} skipped`);
    const write = this.timed(this.client.set(key, hash, ttlMs));
    this.#inflightWrites.add(write);
    try {
      await write;
    } catch (error) {
      this.failed(type);
      throw asCacheUnavailable(error, `cache write of ${key}`);
    } finally {
      this.#inflightWrites.delete(write);
    }
    this.breaker.recordSuccess();
    if (this.#ownedKeys !== null) this.#ownedKeys.add(key);
  }

  /** As `set`, resolving false instead of rejecting (the failure is still counted). */
  async trySet(type: CacheType, key: string, hash: Readonly<CacheHash>, ttlMs: number): Promise<boolean> {
    try {
      await this.set(type, key, hash, ttlMs);
      return true;
    } catch {
      return false;
    }
  }

  /** True when a key was removed; when the cache cannot be reached the key is remembered and this rejects. */
  async delete(type: CacheType, key: string): Promise<boolean> {
    if (!this.breaker.canExecute()) {
      this.#deferred.add(key);
      throw new CacheUnavailableError(`circuit open: delete of ${key} deferred until the cache is back`);
    }
    let removed: boolean;
    try {
      removed = await this.timed(this.client.delete(key));
    } catch (error) {
      this.failed(type);
      this.#deferred.add(key);
      throw asCacheUnavailable(error, `cache delete of ${key}`);
    }
    this.breaker.recordSuccess();
    this.#deferred.delete(key);
    return removed;
  }

  async tryDelete(type: CacheType, key: string): Promise<boolean> {
    try {
      return await this.delete(type, key);
    } catch {
      return false;
    }
  }

  /** Replays the remembered deletes (each through the breaker); stops early when `stop()` says so. */
  async drainDeferred(typeOf: (key: string) => CacheType, stop: () => boolean): Promise<void> {
    const keys = this.#deferred.take();
    for (let i = 0; i < keys.length; i++) {
      if (stop()) {
        for (const key of keys.slice(i)) this.#deferred.add(key);
        return;
      }
      const key = keys[i]!;
      await this.tryDelete(typeOf(key), key);
    }
  }

  /**
   * Waits for cache writes in flight, then removes the keys under `prefixes` on a namespaced client (an
   * administrative call: no breaker, its own timeout), or else every key written through this instance.
   */
  async flush(prefixes: readonly string[], timeoutMs: number): Promise<number> {
    if (this.#inflightWrites.size > 0) await Promise.allSettled([...this.#inflightWrites]);
    const client = this.client;
    let removed = 0;
    if (isNamespacedCacheClient(client)) {
      for (const prefix of prefixes) {
        removed += await withTimeout(client.flushNamespace(prefix), timeoutMs, "flush");
      }
    } else if (this.#ownedKeys !== null) {
      for (const key of [...this.#ownedKeys]) {
        if (await withTimeout(client.delete(key), timeoutMs, "flush")) removed++;
        this.#ownedKeys.delete(key);
      }
    }
    this.#deferred.clear();
    return removed;
  }

  /** Releases pending calls as failures and stops the deadline timer. */
  close(): void {
    this.#deadlines?.close();
    this.#deferred.clear();
  }
}
