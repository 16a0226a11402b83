import { RedisCacheClient, RedisInvalidationTracker } from "@qts/cache";
import { type CacheClient, CacheType, type Clock, opt, ValidationError } from "@qts/contracts";
import { NearCache, type NearCacheStats } from "./near-cache.js";

/** The `nearCache` option of `CacheManager`. */
export interface NearCacheOptions {
  /** At most this many decoded entries in process, per type (CLOCK eviction: entries not read recently go first). */
  maxEntries: number;
  /** Which types are kept in process (default both: `["position", "price"]`). */
  types?: readonly ("position" | "price")[] | undefined;
  /** Heartbeat of the invalidation connection in ms (default 1000; see `RedisInvalidationTracker`). */
  heartbeatMs?: number | undefined;
}

/** One near cache per type kept (keyed by symbol: no key concatenation on the hit path), one tracker. */
export interface NearSetup {
  readonly positions: NearCache | null;
  readonly prices: NearCache | null;
  readonly all: readonly NearCache[];
  readonly tracker: RedisInvalidationTracker;
}

/** The manager's key prefixes of the types a near cache can keep (`<namespace>pos:`, `<namespace>price:`). */
export interface NearPrefixes {
  readonly position: string;
  readonly price: string;
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
  prefixes: NearPrefixes,
): NearSetup | null {
  if (options === undefined) return null;
  opt.object(options, "nearCache");
  const { types = [CacheType.POSITION, CacheType.PRICE], heartbeatMs } = options;
  const maxEntries = opt.int(options.maxEntries, "nearCache.maxEntries", Number.NaN, 1); // required
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
  const positions = types.includes(CacheType.POSITION) ? new NearCache(maxEntries, clock) : null;
  const prices = types.includes(CacheType.PRICE) ? new NearCache(maxEntries, clock) : null;
  const all = [positions, prices].filter((n): n is NearCache => n !== null);
  tracker.on("invalidate", (keys) => route(keys, positions, prices, prefixes));
  tracker.on("lost", () => {
    for (const n of all) n.setTracking(false);
  });
  tracker.on("tracking", () => {
    for (const n of all) n.setTracking(true);
  });
  if (tracker.tracking) for (const n of all) n.setTracking(true);
  return { positions, prices, all, tracker };
}

/** An invalidation message: each key to the near cache of its type, by symbol (`null`: everything). */
function route(
  keys: readonly string[] | null,
  positions: NearCache | null,
  prices: NearCache | null,
  prefixes: NearPrefixes,
): void {
  if (keys === null) {
    positions?.invalidate(null);
    prices?.invalidate(null);
    return;
  }
  const pos: string[] = [];
  const pri: string[] = [];
  for (const key of keys) {
    if (key.startsWith(prefixes.position)) pos.push(key.slice(prefixes.position.length));
    else if (key.startsWith(prefixes.price)) pri.push(key.slice(prefixes.price.length));
  }
  if (positions !== null && pos.length > 0) positions.invalidate(pos);
  if (prices !== null && pri.length > 0) prices.invalidate(pri);
}

/** The counters of every type's near cache together (`maxEntries` is per type). */
export function nearStats(setup: NearSetup): NearCacheStats {
  const parts = setup.all.map((n) => n.stats());
  const sum = (f: (s: NearCacheStats) => number) => parts.reduce((a, s) => a + f(s), 0);
  return Object.freeze({
    active: parts.every((s) => s.active),
    entries: sum((s) => s.entries),
    maxEntries: parts[0]?.maxEntries ?? 0,
    hits: sum((s) => s.hits),
    fills: sum((s) => s.fills),
    invalidations: sum((s) => s.invalidations),
    bypasses: Math.max(...parts.map((s) => s.bypasses)),
  });
}

/** Releases the client for another near cache once the tracker is closed. */
export async function tearDownNearCache(setup: NearSetup, client: CacheClient): Promise<void> {
  for (const n of setup.all) n.setTracking(false);
  await setup.tracker.close();
  tracked.delete(client);
}
