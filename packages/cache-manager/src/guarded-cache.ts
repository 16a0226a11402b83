import { type CircuitBreaker, CircuitState, type DeadlineQueue, REFUSED } from "@qts/cache";
import {
  type CacheClient,
  type CacheHash,
  CacheOutOfMemoryError,
  type CacheType,
  CacheUnavailableError,
  type HashWithTtl,
  isBatchCacheClient,
  isNamespacedCacheClient,
  isVersionedBatchCacheClient,
  isVersionedCacheClient,
  type TtlReadingCacheClient,
  type VersionedCacheClient,
} from "@qts/contracts";
import { DeferredInvalidations } from "./deferred-invalidations.js";
import { asCacheUnavailable, timeoutAfter } from "./helpers.js";
import type { Counters } from "./stats.js";

/** How many deletes the recovery probe keeps in flight at once. */
const RECOVERY_BATCH = 64;

export interface GuardedCacheParts {
  readonly client: CacheClient;
  readonly breaker: CircuitBreaker;
  /** The per-call deadline; null when the client's own command timeout is trusted. */
  readonly deadlines: DeadlineQueue | null;
  readonly counters: Readonly<Record<CacheType, Counters>>;
  /** The cache type of a key (for counting the errors of background deletes). */
  readonly typeOf: (key: string) => CacheType;
  /** True when the background deletes of pending keys must stop (manager closing, LOCKDOWN). */
  readonly stopDraining: () => boolean;
}

/**
 * The cache client behind the circuit breaker and the per-call deadline; every cache call of the manager goes
 * through here. Each call is admitted by the breaker (`admit()` → a call token), runs under the deadline,
 * records its outcome with its token (timeouts are failures) and counts per cache type.
 *
 * **Pending invalidations.** A key whose cache write or delete was not confirmed (refused by the open circuit,
 * failed, timed out) may hold an entry older than the store: it is *pending*. A pending key is never served
 * (reads of it report the cache unavailable) until a delete of it succeeds. When the circuit is HALF_OPEN, the
 * admitted probe does not serve anything: it deletes every pending key and every key with a write still in
 * flight (a hung server applies the writes sent before the circuit opened when it resumes, and the deletes
 * queue behind them), and only then reports success, so the circuit is CLOSED only once nothing older than
 * the store can be read. Keys that become pending while CLOSED are deleted in the background.
 */
export class GuardedCache {
  readonly #client: CacheClient;
  /** The client when it has versioned writes (`setIfNewer`), else null. */
  readonly #versioned: VersionedCacheClient | null;
  readonly #get: (key: string) => Promise<CacheHash | null>;
  readonly #breaker: CircuitBreaker;
  readonly #deadlines: DeadlineQueue | null;
  readonly #counters: Readonly<Record<CacheType, Counters>>;
  /** Keys written, for `flush()` on a client that cannot flush by prefix; null when it can. */
  readonly #ownedKeys: Set<string> | null;
  /** Cache writes in flight → their key (keys, for a batch). */
  readonly #inflightWrites = new Map<Promise<unknown>, string | readonly string[]>();
  readonly #pending = new DeferredInvalidations();
  /** Stops the background deletes (manager closing, LOCKDOWN). */
  readonly #stopDraining: () => boolean;
  readonly #typeOf: (key: string) => CacheType;
  #draining = false;

  constructor(parts: GuardedCacheParts) {
    this.#client = parts.client;
    this.#versioned = isVersionedCacheClient(parts.client) ? parts.client : null;
    const client = parts.client;
    this.#get = (key) => client.get(key);
    this.#breaker = parts.breaker;
    this.#deadlines = parts.deadlines;
    this.#counters = parts.counters;
    this.#ownedKeys = isNamespacedCacheClient(parts.client) ? null : new Set();
    this.#stopDraining = parts.stopDraining;
    this.#typeOf = parts.typeOf;
  }

  /** True while the circuit is OPEN (no cache call would be admitted). */
  get circuitOpen(): boolean {
    return this.#breaker.state === CircuitState.OPEN;
  }

  /**
   * One cache read: the hash, null on a miss, or `unavailable` when the cache was not read or did not answer
   * (circuit refused, the HALF_OPEN probe, a pending key, error or timeout). Counts a hit, a miss or an error.
   */
  read<U>(type: CacheType, key: string, unavailable: U): Promise<CacheHash | null | U> {
    return this.#readVia(type, key, unavailable, this.#get);
  }

  /** As `read`, with the entry's remaining TTL (the client must be a `TtlReadingCacheClient`). */
  readWithTtl<U>(type: CacheType, key: string, unavailable: U): Promise<HashWithTtl | null | U> {
    const client = this.#client as TtlReadingCacheClient;
    return this.#readVia(type, key, unavailable, (k) => client.getWithTtl(k));
  }

  /** True when position writes carry their version (`setIfNewer`): the cache never goes back in time. */
  get versioned(): boolean {
    return this.#versioned !== null;
  }

  async #readVia<T, U>(
    type: CacheType,
    key: string,
    unavailable: U,
    call: (key: string) => Promise<T | null>,
  ): Promise<T | null | U> {
    const breaker = this.#breaker;
    const token = breaker.admit();
    if (token === REFUSED) return unavailable;
    if (breaker.isProbe(token)) {
      await this.#recover(type, key, token);
      return unavailable; // the probe serves nothing: it only makes the cache safe to read again
    }
    const pending = this.#pending;
    if (pending.size !== 0 && pending.has(key)) {
      this.drainPending(); // admitted while CLOSED: nothing to record, nothing read
      return unavailable;
    }
    let hash: T | null;
    try {
      hash = await this.#timed(call(key));
    } catch {
      this.#counters[type].errors++;
      breaker.recordFailure(token);
      return unavailable;
    }
    breaker.recordSuccess(token);
    if (pending.size !== 0) this.drainPending();
    if (hash === null) this.#counters[type].misses++;
    else this.#counters[type].hits++;
    return hash;
  }

  /** A hit that did not decode: counted again as a miss and an error. */
  undecodable(type: CacheType): void {
    const c = this.#counters[type];
    c.hits--;
    c.misses++;
    c.errors++;
  }

  /** Marks `key` pending: not served until a delete of it succeeds (see the class comment). */
  remember(key: string): void {
    this.#pending.add(key);
  }

  /**
   * Writes `hash`; rejects with `CacheUnavailableError` (and `key` becomes pending) when not confirmed. With a
   * `version` on a versioned client it is `setIfNewer`: not applied when the cache holds a newer entry (which
   * is just as confirmed: the cache is not older than this write).
   */
  async set(
    type: CacheType,
    key: string,
    hash: Readonly<CacheHash>,
    ttlMs: number,
    version?: number,
  ): Promise<void> {
    const breaker = this.#breaker;
    let token = breaker.admit();
    if (token !== REFUSED && breaker.isProbe(token)) {
      token = (await this.#recover(type, key, token)) ? breaker.admit() : REFUSED;
    }
    if (token === REFUSED) {
      this.#pending.add(key);
      throw new CacheUnavailableError(`circuit open: cache write of ${key} skipped`);
    }
    const seq = this.#pending.seq;
    const versioned = this.#versioned;
    const sent =
      version !== undefined && versioned !== null
        ? versioned.setIfNewer(key, hash, ttlMs, version)
        : this.#client.set(key, hash, ttlMs);
    this.#inflightWrites.set(sent, key);
    try {
      await this.#timed(sent);
    } catch (error) {
      this.#counters[type].errors++;
      this.#pending.add(key);
      if (error instanceof CacheOutOfMemoryError) {
        // The server answered: it is full, not down. Reads keep working, so the circuit stays as it is; the
        // key (which may hold an older entry) is deleted in the background (deletes are allowed at maxmemory).
        this.#inflightWrites.delete(sent);
        breaker.recordSuccess(token);
        this.drainPending();
        throw error;
      }
      breaker.recordFailure(token);
      this.#afterGivingUp(sent, key);
      throw asCacheUnavailable(error, `cache write of ${key}`);
    }
    this.#inflightWrites.delete(sent);
    breaker.recordSuccess(token);
    if (this.#ownedKeys !== null) this.#ownedKeys.add(key);
    if (this.#pending.size !== 0) {
      this.#pending.settle(key, seq);
      this.drainPending();
    }
  }

  /** As `set`, resolving false instead of rejecting (the failure is still counted). */
  async trySet(
    type: CacheType,
    key: string,
    hash: Readonly<CacheHash>,
    ttlMs: number,
    version?: number,
  ): Promise<boolean> {
    try {
      await this.set(type, key, hash, ttlMs, version);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Writes many entries of one type with one TTL in one call to the client: `setManyIfNewer` (one pipeline)
   * on a versioned client, else `setMany` when the client has it, else one `set` per entry. Admitted as one
   * call; when not confirmed every key becomes pending and this rejects. Resolves to how many were applied.
   */
  async setMany(
    type: CacheType,
    entries: readonly (readonly [string, Readonly<CacheHash>, number])[],
    ttlMs: number,
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const breaker = this.#breaker;
    const first = (entries[0] as readonly [string, Readonly<CacheHash>, number])[0];
    let token = breaker.admit();
    if (token !== REFUSED && breaker.isProbe(token)) {
      token = (await this.#recover(type, first, token)) ? breaker.admit() : REFUSED;
    }
    if (token === REFUSED) {
      for (const [key] of entries) this.#pending.add(key);
      throw new CacheUnavailableError(`circuit open: cache write of ${entries.length} keys skipped`);
    }
    const seq = this.#pending.seq;
    const client = this.#client;
    let sent: Promise<number>;
    if (isVersionedBatchCacheClient(client)) sent = client.setManyIfNewer(entries, ttlMs);
    else if (isBatchCacheClient(client))
      sent = client.setMany(
        entries.map(([k, h]) => [k, h] as const),
        ttlMs,
      );
    else sent = Promise.all(entries.map(([k, h]) => client.set(k, h, ttlMs))).then((r) => r.length);
    this.#inflightWrites.set(
      sent,
      entries.map(([key]) => key),
    );
    let applied: number;
    try {
      // one deadline for the whole batch would be too short for thousands of keys: the client's own applies
      applied = await sent;
    } catch (error) {
      this.#counters[type].errors++;
      for (const [key] of entries) this.#pending.add(key);
      this.#inflightWrites.delete(sent);
      if (error instanceof CacheOutOfMemoryError) breaker.recordSuccess(token);
      else breaker.recordFailure(token);
      this.drainPending();
      throw asCacheUnavailable(error, `cache write of ${entries.length} keys`);
    }
    this.#inflightWrites.delete(sent);
    breaker.recordSuccess(token);
    if (this.#ownedKeys !== null) for (const [key] of entries) this.#ownedKeys.add(key);
    if (this.#pending.size !== 0) {
      for (const [key] of entries) this.#pending.settle(key, seq);
      this.drainPending();
    }
    return applied;
  }

  /** True when a key was removed; when the cache cannot be reached `key` stays pending and this rejects. */
  async delete(type: CacheType, key: string): Promise<boolean> {
    const breaker = this.#breaker;
    const token = breaker.admit();
    if (token !== REFUSED && breaker.isProbe(token)) {
      // The probe deletes every pending key, this one included.
      if (await this.#recover(type, key, token)) return true;
    } else if (token !== REFUSED) {
      let removed: boolean;
      const seq = this.#pending.seq;
      try {
        removed = await this.#timed(this.#client.delete(key));
      } catch (error) {
        this.#counters[type].errors++;
        this.#pending.add(key);
        breaker.recordFailure(token);
        throw asCacheUnavailable(error, `cache delete of ${key}`);
      }
      breaker.recordSuccess(token);
      if (this.#pending.size !== 0) {
        this.#pending.settle(key, seq);
        this.drainPending();
      }
      return removed;
    }
    this.#pending.add(key);
    throw new CacheUnavailableError(`circuit open: delete of ${key} deferred until the cache is back`);
  }

  async tryDelete(type: CacheType, key: string): Promise<boolean> {
    try {
      return await this.delete(type, key);
    } catch {
      return false;
    }
  }

  /**
   * Waits (up to `timeoutMs`) for cache writes in flight, then removes the keys under `prefixes` on a namespaced client (an
   * administrative call: no breaker, its own timeout), or else every key written through this instance.
   */
  async flush(prefixes: readonly string[], timeoutMs: number): Promise<number> {
    if (this.#inflightWrites.size > 0) {
      // Also the writes given up on that may still land; a hung server must not hang the flush, though.
      const landed = Promise.allSettled([...this.#inflightWrites.keys()]);
      await timeoutAfter(landed, timeoutMs, "waiting for cache writes in flight").catch(() => undefined);
    }
    const client = this.#client;
    let removed = 0;
    if (isNamespacedCacheClient(client)) {
      for (const prefix of prefixes) {
        removed += await timeoutAfter(client.flushNamespace(prefix), timeoutMs, "flush");
      }
    } else if (this.#ownedKeys !== null) {
      for (const key of [...this.#ownedKeys]) {
        if (await timeoutAfter(client.delete(key), timeoutMs, "flush")) removed++;
        this.#ownedKeys.delete(key);
      }
    }
    this.#pending.clear();
    return removed;
  }

  /** Releases pending calls as failures and stops the deadline timer. */
  close(): void {
    this.#deadlines?.close();
    this.#pending.clear();
  }

  /**
   * A write this instance gave up on (deadline) may still land: it stays "in flight" (the probe deletes its key)
   * until it settles, and if it lands its key is pending again, so the entry is deleted after it landed.
   */
  #afterGivingUp(sent: Promise<unknown>, key: string): void {
    const settled = (): void => {
      this.#inflightWrites.delete(sent);
    };
    sent.then(() => {
      settled();
      this.#pending.add(key);
      this.drainPending();
    }, settled);
  }

  /** `promise` under the per-call deadline (as is when the client's own timeout is trusted). */
  #timed<T>(promise: Promise<T>): Promise<T> {
    return this.#deadlines === null ? promise : this.#deadlines.wrap(promise);
  }

  /**
   * The HALF_OPEN probe: deletes `key`, every pending key and every key with a write in flight, then reports
   * the outcome with the probe's token (success closes the circuit). True when it succeeded.
   */
  async #recover(type: CacheType, key: string, token: number): Promise<boolean> {
    const seq = this.#pending.seq;
    const all = [...new Set([key, ...this.#pending.keys(), ...[...this.#inflightWrites.values()].flat()])];
    try {
      for (let i = 0; i < all.length; i += RECOVERY_BATCH) {
        const batch = all.slice(i, i + RECOVERY_BATCH);
        await Promise.all(batch.map((k) => this.#timed(this.#client.delete(k))));
        for (const k of batch) this.#pending.settle(k, seq);
      }
    } catch {
      this.#counters[type].errors++;
      this.#breaker.recordFailure(token);
      return false;
    }
    this.#breaker.recordSuccess(token);
    if (this.#pending.size !== 0) this.drainPending();
    return true;
  }

  /** Deletes the pending keys in the background, one at a time, while the circuit is CLOSED. */
  drainPending(): void {
    if (this.#draining || this.#breaker.state !== CircuitState.CLOSED) return;
    this.#draining = true;
    void (async () => {
      try {
        for (const key of this.#pending.keys()) {
          if (!this.#pending.has(key)) continue;
          if (this.#stopDraining() || this.#breaker.state !== CircuitState.CLOSED) return;
          await this.tryDelete(this.#typeOf(key), key);
        }
      } finally {
        this.#draining = false;
      }
    })();
  }
}
