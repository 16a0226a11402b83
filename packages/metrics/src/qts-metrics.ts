import {
  CACHE_TYPES,
  type CacheClient,
  type CacheType,
  type DataSourceAdapter,
  isPooledStore,
  isReconcilable,
  isReplicatedStore,
  OperatingState,
  type PooledStore,
  type Reconcilable,
  SafetyState,
} from "@qts/contracts";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { instrument } from "./instrument.js";
import { CIRCUIT_STATES, LATENCY_BUCKETS_S, METRIC } from "./names.js";
import type { ObservableCacheManager } from "./sources.js";

/** The `DataSourceAdapter` calls timed by {@link QtsMetrics.instrumentDataSource}. */
export const STORE_OPERATIONS: readonly string[] = Object.freeze([
  "fetchPositions",
  "fetchPosition",
  "updatePosition",
  "appendLedger",
  "fetchLedger",
  "fetchOhlcv",
  "fetchTickData",
  "appendOhlcv",
  "appendTicks",
  "applyFill",
  "healthCheck",
]);

/** The `CacheClient` calls timed by {@link QtsMetrics.instrumentCacheClient}. */
export const CACHE_OPERATIONS: readonly string[] = Object.freeze([
  "get",
  "set",
  "setIfNewer",
  "delete",
  "getMany",
  "healthCheck",
]);

export interface QtsMetricsOptions {
  /** The registry to register on (default: a new one, see `registry`). */
  readonly registry?: Registry;
  /** Histogram buckets in seconds (default {@link LATENCY_BUCKETS_S}). */
  readonly latencyBucketsS?: readonly number[];
}

type CounterSource = { manager: string; type: CacheType; read: () => number };

/**
 * The QTS metrics on one prom-client registry. Counters and gauges are read from their sources at scrape
 * time (no work on the trading path); latency histograms come from wrapping a store or cache client with
 * `instrumentDataSource` / `instrumentCacheClient`.
 *
 * ```ts
 * const metrics = new QtsMetrics();
 * const db = metrics.instrumentDataSource(new TimescaleAdapter({ dsn }));
 * const manager = new CacheManager(metrics.instrumentCacheClient(redis), db);
 * metrics.observeCacheManager(manager);
 * metrics.observeDataSource(db);
 * const text = await metrics.registry.metrics();    // Prometheus text exposition
 * ```
 */
export class QtsMetrics {
  readonly registry: Registry;
  readonly #managers = new Map<string, ObservableCacheManager>();
  readonly #pooled = new Map<string, PooledStore>();
  readonly #backlogged = new Map<string, Reconcilable>();
  readonly #storeLatency: Histogram<string>;
  readonly #cacheLatency: Histogram<string>;

  constructor(options: QtsMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    const buckets = [...(options.latencyBucketsS ?? LATENCY_BUCKETS_S)];
    const managers = this.#managers;

    const cacheCounter = (name: string, help: string, field: "hitCount" | "missCount" | "errorCount") => {
      const sources = (): CounterSource[] =>
        [...managers].flatMap(([manager, m]) =>
          CACHE_TYPES.map((type) => ({
            manager,
            type,
            read: () => (m.getLifetimeStats?.() ?? m.getAllStats())[type][field],
          })),
        );
      const last = new Map<string, number>();
      new Counter({
        name,
        help,
        labelNames: ["manager", "type"],
        registers,
        collect() {
          // Lifetime counts only grow. Without them, `getAllStats()` is reset by `resetStats()`/`flush()`: a count
          // that went down is taken as all new, so the exported counter stays monotonic (it may undercount).
          for (const s of sources()) {
            const key = `${s.manager}\u0000${s.type}`;
            const now = s.read();
            const before = last.get(key) ?? 0;
            const delta = now >= before ? now - before : now;
            last.set(key, now);
            this.inc({ manager: s.manager, type: s.type }, delta);
          }
        },
      });
    };
    cacheCounter(METRIC.cacheHits, "Cache hits per manager and cache type.", "hitCount");
    cacheCounter(METRIC.cacheMisses, "Cache misses per manager and cache type.", "missCount");
    cacheCounter(
      METRIC.cacheErrors,
      "Cache errors (unreachable, timeout, undecodable entry) per manager and type.",
      "errorCount",
    );

    const stateSet = (
      name: string,
      help: string,
      states: readonly string[],
      read: (m: ObservableCacheManager) => string,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ["manager", "state"],
        registers,
        collect() {
          this.reset();
          for (const [manager, m] of managers) {
            const current = read(m);
            for (const state of states) this.set({ manager, state }, state === current ? 1 : 0);
          }
        },
      });
    stateSet(
      METRIC.circuitState,
      "Circuit breaker state of each cache manager (1 = current).",
      CIRCUIT_STATES,
      (m) => m.circuitState,
    );
    stateSet(
      METRIC.safetyState,
      "Safety state of each cache manager (1 = current).",
      Object.values(SafetyState),
      (m) => m.safetyState,
    );
    stateSet(
      METRIC.operatingState,
      "Operating state of each cache manager (1 = current).",
      Object.values(OperatingState),
      (m) => m.operatingState,
    );

    // Event sinks and breaker listeners that threw: caught so trading goes on, counted so someone notices.
    const callbackLast = new Map<string, number>();
    new Counter({
      name: METRIC.callbackErrors,
      help: "Callbacks that threw and were caught: event sink publishes and circuit-breaker listeners.",
      labelNames: ["manager", "callback"],
      registers,
      collect() {
        for (const [manager, m] of managers) {
          const counts = {
            event_sink: m.eventSinkErrors ?? 0,
            breaker_listener: m.circuitBreaker?.listenerErrors ?? 0,
          };
          for (const [callback, now] of Object.entries(counts)) {
            const key = `${manager}\u0000${callback}`;
            const before = callbackLast.get(key) ?? 0;
            callbackLast.set(key, now);
            this.inc({ manager, callback }, Math.max(0, now - before));
          }
        }
      },
    });

    const pooled = this.#pooled;
    new Gauge({
      name: METRIC.poolConnections,
      help: "Database pool connections per store: total open and idle.",
      labelNames: ["store", "state"],
      registers,
      collect() {
        this.reset();
        for (const [store, s] of pooled) {
          const usage = s.poolUsage;
          this.set({ store, state: "total" }, usage.total);
          this.set({ store, state: "idle" }, usage.idle);
        }
      },
    });
    new Gauge({
      name: METRIC.poolWaiting,
      help: "Requests waiting for a database pool connection per store.",
      labelNames: ["store"],
      registers,
      collect() {
        this.reset();
        for (const [store, s] of pooled) this.set({ store }, s.poolUsage.waiting);
      },
    });
    const backlogged = this.#backlogged;
    new Gauge({
      name: METRIC.hybridBacklog,
      help: "Writes accepted by a Hybrid store's primary and not yet applied to its secondary.",
      labelNames: ["store"],
      registers,
      collect() {
        this.reset();
        for (const [store, s] of backlogged) this.set({ store }, s.backlog);
      },
    });

    this.#storeLatency = new Histogram({
      name: METRIC.storeOperation,
      help: "Latency of data-store calls by store, operation and outcome.",
      labelNames: ["store", "operation", "outcome"],
      buckets,
      registers,
    });
    this.#cacheLatency = new Histogram({
      name: METRIC.cacheOperation,
      help: "Latency of cache-client calls by client, operation and outcome.",
      labelNames: ["client", "operation", "outcome"],
      buckets,
      registers,
    });
  }

  /** Exports the manager's hit/miss/error counts and its circuit, safety and operating states. */
  observeCacheManager(manager: ObservableCacheManager, name: string = manager.namespace || "default"): this {
    this.#managers.set(name, manager);
    return this;
  }

  /** Exports pool usage and Hybrid backlog of `store` and of the stores it is made of, where they have them. */
  observeDataSource(store: DataSourceAdapter): this {
    const visit = (s: DataSourceAdapter) => {
      if (isPooledStore(s)) this.#pooled.set(s.name, s);
      if (isReconcilable(s)) this.#backlogged.set(s.name, s);
      if (isReplicatedStore(s)) {
        visit(s.primary);
        visit(s.secondary);
      }
    };
    visit(store);
    return this;
  }

  /** The same store with every call timed into `qts_store_operation_duration_seconds`. */
  instrumentDataSource<T extends DataSourceAdapter>(store: T, name: string = store.name): T {
    return instrument(store, STORE_OPERATIONS, this.#storeLatency, "store", name);
  }

  /** The same client with every call timed into `qts_cache_operation_duration_seconds`. */
  instrumentCacheClient<T extends CacheClient>(client: T, name = "cache"): T {
    return instrument(client, CACHE_OPERATIONS, this.#cacheLatency, "client", name);
  }

  /** The exposition text (`Content-Type`: `registry.contentType`). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
