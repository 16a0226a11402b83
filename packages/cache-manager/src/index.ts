export { CacheManager } from "./cache-manager.js";
export {
  type EventHandler,
  InProcessEventBus,
  type InProcessEventBusOptions,
  type SubscribeOptions,
} from "./event-bus.js";
export { type CacheManagerFromEnvOptions, cacheManagerFromEnv, type EnvCacheLayer } from "./from-env.js";
export type { NearCacheStats } from "./near-cache.js";
export type { NearCacheOptions } from "./near-setup.js";
export type { CacheManagerOptions } from "./options.js";
