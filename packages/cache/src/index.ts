/** The public API of `@qts/cache`, by name (the conformance suites and fault doubles are in `@qts/cache/testing`). */
export {
  type CallToken,
  CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitState,
  type CircuitStateListener,
  REFUSED,
} from "./circuit-breaker.js";
export { DeadlineQueue } from "./deadline-queue.js";
export {
  INVALIDATION_CHANNEL,
  type InvalidationTrackerEvents,
  RedisInvalidationTracker,
  type RedisInvalidationTrackerOptions,
  type TrackedClient,
} from "./invalidation-tracker.js";
export { InMemoryCacheClient, type InMemoryCacheClientOptions } from "./memory-cache-client.js";
export { InMemoryCacheStore } from "./memory-cache-store.js";
export { clusterKeySlot } from "./redis/cluster-slot.js";
export type {
  RedisCacheClientBaseOptions,
  RedisCacheClientOptions,
  RedisClusterModeOptions,
  RedisMode,
  RedisNodeAddress,
  RedisSentinelModeOptions,
  RedisSingleOptions,
} from "./redis/options.js";
export { RedisCacheClient } from "./redis-cache-client.js";
export {
  EMPTY_HASH_MARKER,
  MAX_TTL_MS,
  validateHash,
  validateKey,
  validateKeys,
  validateTtlMs,
} from "./validate.js";
