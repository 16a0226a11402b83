/** Metric names and label sets: one place, following Prometheus conventions (`qts_` prefix, `_total`, `_seconds`). */
export const METRIC = Object.freeze({
  cacheHits: "qts_cache_hits_total",
  cacheMisses: "qts_cache_misses_total",
  cacheErrors: "qts_cache_errors_total",
  circuitState: "qts_circuit_state",
  safetyState: "qts_safety_state",
  operatingState: "qts_operating_state",
  cacheOperation: "qts_cache_operation_duration_seconds",
  storeOperation: "qts_store_operation_duration_seconds",
  hybridBacklog: "qts_hybrid_backlog_writes",
  poolConnections: "qts_db_pool_connections",
  poolWaiting: "qts_db_pool_waiting_requests",
  callbackErrors: "qts_callback_errors_total",
} as const);

export const CIRCUIT_STATES = Object.freeze(["CLOSED", "OPEN", "HALF_OPEN"] as const);

/**
 * Latency buckets in seconds: 50 µs to 5 s. A near-cache hit lands in the first bucket, a Redis round trip
 * around 0.1–1 ms, a PostgreSQL transaction in 1–20 ms, a COPY or a Sheets call in the top ones.
 */
export const LATENCY_BUCKETS_S: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);
