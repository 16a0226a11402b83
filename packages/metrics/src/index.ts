export { LATENCY_BUCKETS_S, METRIC } from "./names.js";
export { CACHE_OPERATIONS, QtsMetrics, type QtsMetricsOptions, STORE_OPERATIONS } from "./qts-metrics.js";
export { type MetricsServer, serveMetrics } from "./server.js";
export type { ObservableCacheManager } from "./sources.js";
