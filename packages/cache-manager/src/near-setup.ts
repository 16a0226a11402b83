import { RedisCacheClient, RedisInvalidationTracker } from "@qts/cache";
import { type CacheClient, CacheType, type Clock, ValidationError } from "@qts/contracts";
import { NearCache } from "./near-cache.js";

/** The `nearCache` option of `CacheManager`. */
export interface NearCacheOptions {
  /** At most this many decoded entries in process (least recently used go first). */
  maxEntries: number;
  /** Which types are kept in process (default both: `["position", "price"]`). */
  types?: readonly ("position" | "price")[] | undefined;
  /** Heartbeat of the invalidation connection in ms (default 1000; see `RedisInvalidationTracker`). */
  heartbeatMs?: number | undefined;
}

export interface NearSetup {
  readonly near: NearCache;
  readonly tracker: RedisInvalidationTracker;
  readonly positions: boolean;
  readonly prices: boolean;
}

/** Clients that already feed a near cache: tracking is one redirect per data connection. */
const tracked = new WeakSet<object>();

/**
 * Validates `nearCache` and builds the near cache with its invalidation tracker. Only a `RedisCacheClient` on
 * a single Redis or Sentinel qualifies (Redis tracks keys for the connection it serves): a Cluster, another
 * client (the in-memory one included) or a client already feeding another manager's near cache is refused
 * with a `ValidationError` on `nearCache`.
 */
export function setUpNearCache(
  client: CacheClient,
  options: NearCacheOptions | undefined,
  clock: Clock,
): NearSetup | null {
  if (options === undefined) return null;
  if (options === null || typeof options !== "object") {
    throw new ValidationError("nearCache", options, "must be an object { maxEntries, types? }");
  }
  const { maxEntries, types = [CacheType.POSITION, CacheType.PRICE], heartbeatMs } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ValidationError("nearCache.maxEntries", maxEntries, "must be an integer >= 1");
  }
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    !types.every((t) => t === CacheType.POSITION || t === CacheType.PRICE)
  ) {
    throw new ValidationError("nearCache.types", types, 'must be a non-empty list of "position", "price"');
  }
  if (!(client instanceof RedisCacheClient)) {
    throw new ValidationError(
      "nearCache",
      client.constructor?.name ?? typeof client,
      "needs a RedisCacheClient (single Redis or Sentinel): it is kept coherent by Redis's invalidation " +
        "messages, which no other client sends (an in-memory cache is already in process)",
    );
  }
  if (client.mode === "cluster") {
    throw new ValidationError(
      "nearCache",
      "cluster",
      "is not supported on Redis Cluster (invalidation tracking is per node): use a single Redis or Sentinel, " +
        "or leave nearCache off",
    );
  }
  if (tracked.has(client)) {
    throw new ValidationError(
      "nearCache",
      client.namespace,
      "this RedisCacheClient already feeds another manager's near cache (one tracking redirect per " +
        "connection): give each manager with a near cache its own client",
    );
  }
  const tracker = new RedisInvalidationTracker(client, heartbeatMs === undefined ? {} : { heartbeatMs });
  tracked.add(client);
  const near = new NearCache(maxEntries, clock);
  tracker.on("invalidate", (keys) => near.invalidate(keys));
  tracker.on("lost", () => near.setTracking(false));
  tracker.on("tracking", () => near.setTracking(true));
  if (tracker.tracking) near.setTracking(true);
  return {
    near,
    tracker,
    positions: types.includes(CacheType.POSITION),
    prices: types.includes(CacheType.PRICE),
  };
}

/** Releases the client for another near cache once the tracker is closed. */
export async function tearDownNearCache(setup: NearSetup, client: CacheClient): Promise<void> {
  setup.near.setTracking(false);
  await setup.tracker.close();
  tracked.delete(client);
}
