import { type CircuitBreaker, CircuitState, validateHash } from "@qts/cache";
import {
  type CacheClient,
  type CacheHash,
  CacheStaleDataError,
  type CacheStats,
  CacheType,
  CacheUnavailableError,
  type Clock,
  cacheKey,
  type DataSourceAdapter,
  type Decimal,
  type EventSink,
  EventType,
  type Fill,
  type FillResult,
  fill as fillRecord,
  type OperatingState,
  type Position,
  Priority,
  positionUpdate,
  type QtsEvent,
  type SafetyState,
  ValidationError,
  validateCacheType,
  validateSymbol,
} from "@qts/contracts";
import type { GuardedCache } from "./guarded-cache.js";
import type { HashEntries } from "./hash-entries.js";
import { parseEpochMs } from "./helpers.js";
import type { ManagerEvents } from "./manager-events.js";
import { createParts } from "./manager-parts.js";
import type { StateControl } from "./manager-states.js";
import type { NearCache, NearCacheStats } from "./near-cache.js";
import { type NearSetup, nearStats, tearDownNearCache } from "./near-setup.js";
import type { CacheManagerOptions } from "./options.js";
import type { PositionCache } from "./position-cache.js";
import { assertCacheWritable, assertDbWritable, assertOpen, type SharedState } from "./shared-state.js";
import type { Counters, StatsTable } from "./stats.js";

const { POSITION, PRICE } = CacheType;

/**
 * The central cache of the engine: cache-aside positions, write-through fills, real-time prices, generic
 * entries, all behind a circuit breaker, with per-type stats, events, safety and operating states.
 * See the package README for the decisions behind each behaviour.
 */
export class CacheManager {
  readonly namespace: string;
  readonly #clock: Clock;
  readonly #events: ManagerEvents;
  readonly #breaker: CircuitBreaker;
  readonly #guarded: GuardedCache;
  readonly #stats: StatsTable;
  readonly #counters: Readonly<Record<CacheType, Counters>>;
  readonly #prefix: Readonly<Record<CacheType, string>>;
  readonly #shared: SharedState;
  readonly #states: StateControl;
  readonly #positions: PositionCache;
  #metricsTimer: ReturnType<typeof setInterval> | null = null;
  readonly #unsubscribeBreaker: () => void;
  readonly #client: CacheClient;
  readonly #db: DataSourceAdapter;
  readonly #nearSetup: NearSetup | null;
  /** The near cache when it keeps positions (else null: the hot path tests one field). */
  readonly #nearPositions: NearCache | null;
  readonly #hashes: HashEntries;

  constructor(client: CacheClient, db: DataSourceAdapter, options: CacheManagerOptions = {}) {
    const parts = createParts(client, db, options);
    this.namespace = parts.namespace;
    this.#clock = parts.clock;
    this.#events = parts.events;
    this.#breaker = parts.breaker;
    this.#prefix = parts.prefix;
    this.#shared = parts.shared;
    this.#guarded = parts.guarded;
    this.#stats = parts.stats;
    this.#counters = parts.stats.counters;
    this.#nearSetup = parts.nearSetup;
    this.#nearPositions = parts.nearSetup?.positions ?? null;
    this.#hashes = parts.hashes;
    this.#states = parts.states;
    this.#positions = parts.positions;
    this.#client = client;
    this.#db = db;
    this.#unsubscribeBreaker = this.#breaker.onStateChange((to, from) => this.#onCircuitChange(to, from));
    if (parts.metricsIntervalMs > 0) {
      this.#metricsTimer = setInterval(() => this.publishMetrics(), parts.metricsIntervalMs);
      this.#metricsTimer.unref();
    }
  }

  // ---------------------------------------------------------------- state

  /** The event sink (the default `InProcessEventBus` unless one was given). */
  get events(): EventSink {
    return this.#events.sink;
  }

  /** Events whose sink threw while publishing (caught: a sink never breaks a call; counted here and in metrics). */
  get eventSinkErrors(): number {
    return this.#events.sinkErrors;
  }

  get circuitBreaker(): CircuitBreaker {
    return this.#breaker;
  }

  get circuitState(): CircuitState {
    return this.#breaker.state;
  }

  /** True only while OPEN (a HALF_OPEN circuit is letting a probe through). */
  isCircuitOpen(): boolean {
    return this.#breaker.state === CircuitState.OPEN;
  }

  get safetyState(): SafetyState {
    return this.#shared.safety;
  }

  get operatingState(): OperatingState {
    return this.#states.operating;
  }

  /** The TTL the next write of `type` gets, in the current operating state. */
  ttlMs(type: CacheType): number {
    return this.#shared.ttl[validateCacheType(type)];
  }

  getStats(type: CacheType): CacheStats {
    return this.#stats.snapshot(validateCacheType(type));
  }

  getAllStats(): Readonly<Record<CacheType, CacheStats>> {
    return this.#stats.snapshotAll();
  }

  /** Hit/miss/error counts per type since construction: never reset (what monitoring counters export). */
  getLifetimeStats(): Readonly<Record<CacheType, CacheStats>> {
    return this.#stats.lifetimeAll();
  }

  resetStats(): void {
    this.#stats.reset();
  }

  // ---------------------------------------------------------------- positions

  /** Cache-aside: hit → the cached position; miss → the DB (one read per symbol at a time), then cached. */
  getPosition(symbol: string): Promise<Position | null> {
    const near = this.#nearPositions;
    if (near !== null) {
      // A near hit: a Map lookup and an expiry check. Only validated symbols are ever stored, so a hit on the
      // symbol as given means it is valid (one that needs trimming, or a non-string, misses here and is
      // validated below); `close()` shuts the near cache down first, so no hit answers after it.
      const hit = near.hit(symbol);
      if (hit !== undefined) {
        this.#counters.position.hits++;
        return hit as Promise<Position>;
      }
    }
    let sym: string;
    try {
      sym = validateSymbol(symbol);
      assertOpen(this.#shared);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#positions.get(sym);
  }

  /**
   * Books a fill exactly once (SPEC "Fills booked exactly once"): the store's `applyFill` (atomic, idempotent
   * by `fillId`), then a write-through of the position it returns, versioned, in the symbol's write order
   * (after the `updatePositionOnFill` / `applyFill` calls for it made before). Rejects with `ReadOnlyError` in
   * FAIL and LOCKDOWN, and with the store's typed errors (`ConflictError`, `DataSourceUnavailableError`: retry
   * with the same fill); a failed cache write never rejects it (the key is deleted or pending instead).
   */
  async applyFill(f: Fill): Promise<FillResult> {
    const booking = fillRecord(f); // validates (a Fill from elsewhere, or a plain object) before any I/O
    assertOpen(this.#shared);
    assertDbWritable(this.#shared);
    return this.#positions.applyFill(booking);
  }

  /**
   * Preloads positions so a restarted engine does not stampede the store: ONE store query (`fetchPositions`,
   * filtered to `symbols` when given), then ONE pipelined versioned cache write (`setManyIfNewer`). Resolves to
   * how many positions were written (an entry the cache already holds at a newer version is left as is).
   * Nothing is written in FAIL/LOCKDOWN or while the circuit is OPEN (rejects `CacheUnavailableError`).
   */
  async warmUp(symbols?: readonly string[]): Promise<number> {
    const wanted = symbols === undefined ? null : new Set(symbols.map((sym) => validateSymbol(sym)));
    assertOpen(this.#shared);
    if (!this.#shared.policy.cacheEnabled || !this.#shared.policy.cacheWritable) return 0;
    const all = await this.#db.fetchPositions();
    const chosen = wanted === null ? all : all.filter((p) => wanted.has(p.symbol));
    return this.#positions.warm(chosen);
  }

  /** The near cache's state and counters, or null when it is off. */
  nearCacheStats(): NearCacheStats | null {
    return this.#nearSetup === null ? null : nearStats(this.#nearSetup);
  }

  /**
   * Write-through after a fill: the DB first (its typed error rejects the call, the cache is untouched), then
   * the position read back from the DB is cached; a failed cache write deletes the key instead, and the call
   * still resolves true. Calls for one symbol are serialized, so the cache ends at the DB's last write.
   */
  async updatePositionOnFill(symbol: string, qty: Decimal.Value, avgPrice: Decimal.Value): Promise<boolean> {
    const update = positionUpdate(symbol, qty, avgPrice);
    assertOpen(this.#shared);
    assertDbWritable(this.#shared);
    return this.#positions.write(update);
  }

  // ---------------------------------------------------------------- prices

  /** The cached price hash, or null (miss, open circuit, cache error, LOCKDOWN). Never reads the DB. */
  getPrice(symbol: string): Promise<CacheHash | null> {
    const hit = this.#hashes.nearPrice(symbol); // as in getPosition
    if (hit !== undefined) return hit;
    let key: string;
    try {
      key = this.#prefix.price + validateSymbol(symbol);
      assertOpen(this.#shared);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.#shared.policy.cacheEnabled) return Promise.resolve(null);
    return this.#hashes.price(key);
  }

  /**
   * The cached price when its `timestamp` field (epoch ms) is at most `staleAfterMs` old by this manager's
   * clock; otherwise rejects with `CacheStaleDataError` (missing price, missing/invalid timestamp, too old).
   */
  async getPriceChecked(symbol: string, staleAfterMs = 100): Promise<CacheHash> {
    if (typeof staleAfterMs !== "number" || !Number.isFinite(staleAfterMs) || staleAfterMs < 0) {
      throw new ValidationError("staleAfterMs", staleAfterMs, "must be a finite number of milliseconds >= 0");
    }
    const data = await this.getPrice(symbol);
    const key = this.#prefix.price + validateSymbol(symbol);
    if (data === null) throw new CacheStaleDataError(key, null);
    const ts = parseEpochMs(data.timestamp);
    if (ts === null) throw new CacheStaleDataError(key, null, `Price ${key} has no valid epoch-ms timestamp`);
    const age = this.#clock.now() - ts;
    if (age > staleAfterMs) throw new CacheStaleDataError(key, age);
    return data;
  }

  /** Writes a price hash with the price TTL. Rejects with `ReadOnlyError` (FAIL/LOCKDOWN) or `CacheUnavailableError`. */
  async pushPrice(symbol: string, data: Readonly<Record<string, string>>): Promise<boolean> {
    const sym = validateSymbol(symbol);
    validateHash(data);
    assertOpen(this.#shared);
    assertCacheWritable(this.#shared);
    await this.#hashes.set(PRICE, this.#prefix.price + sym, data, this.#shared.ttl.price);
    return true;
  }

  // ---------------------------------------------------------------- generic entries

  /** The cached hash of `type`/`id`, or null (miss, open circuit, cache error, LOCKDOWN). */
  async getCached(type: CacheType, id: string): Promise<CacheHash | null> {
    const key = this.#key(type, id);
    assertOpen(this.#shared);
    if (!this.#shared.policy.cacheEnabled) return null;
    return this.#guarded.read(type, key, null);
  }

  /** Caches `hash` under `type`/`id` with that type's TTL. Same errors as `pushPrice`. */
  async setCached(type: CacheType, id: string, hash: Readonly<Record<string, string>>): Promise<boolean> {
    const key = this.#key(type, id);
    validateHash(hash);
    assertOpen(this.#shared);
    assertCacheWritable(this.#shared);
    await this.#hashes.set(type, key, hash, this.#shared.ttl[type]);
    return true;
  }

  /**
   * Removes `type`/`id`; true when a key was removed. Allowed in FAIL (removing can only make reads fresher);
   * false in LOCKDOWN (the cache is flushed and unused). When the cache cannot be reached the key is
   * remembered, deleted once the circuit closes again, and the call rejects with `CacheUnavailableError`.
   */
  async invalidate(type: CacheType, id: string): Promise<boolean> {
    const key = this.#key(type, id);
    assertOpen(this.#shared);
    if (!this.#shared.policy.cacheEnabled) return false;
    if (type === POSITION) return this.#positions.invalidate(key.slice(this.#prefix.position.length));
    return this.#hashes.delete(type, key);
  }

  /** A fill or execution report arrived: the cached position of `symbol` is stale (prices are not touched). */
  async onExecutionResult(symbol: string): Promise<void> {
    await this.#invalidateQuietly(POSITION, symbol);
  }

  async onOrderUpdate(orderId: string): Promise<void> {
    await this.#invalidateQuietly(CacheType.ORDER, orderId);
  }

  async onStrategyParamChanged(strategyId: string): Promise<void> {
    await this.#invalidateQuietly(CacheType.STRATEGY, strategyId);
  }

  async #invalidateQuietly(type: CacheType, id: string): Promise<void> {
    try {
      await this.invalidate(type, id);
    } catch (error) {
      if (!(error instanceof CacheUnavailableError)) throw error; // remembered for after the outage
    }
  }

  /**
   * Removes every key under this manager's namespace (`flushNamespace(namespace)` on a namespaced client;
   * with the default "" namespace, one call per cache-type prefix; on other clients, the keys this manager
   * wrote) and resets the stats; resolves to the number of keys removed.
   */
  flush(): Promise<number> {
    return this.#states.flush();
  }

  // ---------------------------------------------------------------- safety and operating states

  /**
   * Applies `SAFETY_POLICY[state]` at once; entering LOCKDOWN flushes this manager's keys before the promise
   * settles (a failed flush is reported in the event and retried when LOCKDOWN is left).
   */
  setSafetyState(state: SafetyState): Promise<void> {
    return this.#states.setSafety(state);
  }

  /** Switches the TTL table (`effectiveTtlMs`); applies to the next write. */
  setOperatingState(state: OperatingState): Promise<void> {
    return this.#states.setOperating(state);
  }

  // ---------------------------------------------------------------- events and lifecycle

  /** Publishes `METRIC_RECORD` (P3_LOW) with every type's stats now; returns the event. */
  publishMetrics(): QtsEvent {
    return this.#publish(EventType.METRIC_RECORD, Priority.P3_LOW, {
      stats: this.#stats.snapshotAll(),
      circuitState: this.#breaker.state,
      safetyState: this.#shared.safety,
      operatingState: this.#states.operating,
      namespace: this.namespace,
    });
  }

  /**
   * Waits for queued write-throughs, then stops the metrics timer and the timeout timer and detaches from the
   * breaker. The injected client and DB are NOT closed (their owner closes them). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#shared.closing) return;
    this.#shared.closing = true;
    this.#eachNear((n) => n.shutDown()); // before anything awaits: no near hit answers after close()
    await this.#positions.idle();
    if (this.#metricsTimer !== null) clearInterval(this.#metricsTimer);
    this.#metricsTimer = null;
    this.#unsubscribeBreaker();
    this.#guarded.close();
    if (this.#nearSetup !== null) await tearDownNearCache(this.#nearSetup, this.#client);
  }

  // ---------------------------------------------------------------- internals

  #key(type: CacheType, id: string): string {
    validateCacheType(type);
    // Prices and positions are keyed by symbol: trimmed and validated exactly like getPrice/getPosition.
    const clean = type === PRICE || type === POSITION ? validateSymbol(id, "id") : id;
    return this.namespace + cacheKey(type, clean);
  }

  #eachNear(fn: (near: NearCache) => void): void {
    for (const near of this.#nearSetup?.all ?? []) fn(near);
  }

  #onCircuitChange(to: CircuitState, from: CircuitState): void {
    this.#eachNear((n) => n.setCircuitClosed(to === CircuitState.CLOSED));
    this.#events.circuitChanged(to, from, this.#breaker);
    if (to === CircuitState.CLOSED) this.#guarded.drainPending(); // keys marked while the probe was out
  }

  #publish(type: EventType, priority: Priority, payload: Readonly<Record<string, unknown>>): QtsEvent {
    return this.#events.publish(type, priority, payload);
  }
}
