export { CacheManager } from "./cache-manager.js";
export { DeadlineQueue } from "./deadline-queue.js";
export {
  type EventHandler,
  InProcessEventBus,
  type InProcessEventBusOptions,
  type SubscribeOptions,
} from "./event-bus.js";
export type { CacheManagerOptions } from "./options.js";
