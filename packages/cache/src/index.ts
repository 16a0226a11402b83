export * from "./circuit-breaker.js";
export { DeadlineQueue } from "./deadline-queue.js";
export * from "./invalidation-tracker.js";
export * from "./memory-cache-client.js";
export { clusterKeySlot } from "./redis/cluster-slot.js";
export * from "./redis-cache-client.js";
export {
  EMPTY_HASH_MARKER,
  MAX_TTL_MS,
  validateHash,
  validateKey,
  validateKeys,
  validateTtlMs,
} from "./validate.js";
