import { CircuitBreaker, CircuitState, DeadlineQueue } from "@qts/cache";
import {
  CACHE_KEY_PREFIX,
  CACHE_TYPES,
  type CacheClient,
  CacheType,
  type Clock,
  type DataSourceAdapter,
  SAFETY_POLICY,
  systemClock,
  ValidationError,
} from "@qts/contracts";
import { InProcessEventBus } from "./event-bus.js";
import { GuardedCache } from "./guarded-cache.js";
import { HashEntries } from "./hash-entries.js";
import { ManagerEvents } from "./manager-events.js";
import { StateControl } from "./manager-states.js";
import { type NearSetup, setUpNearCache } from "./near-setup.js";
import {
  assertNamespaceSafe,
  type CacheManagerOptions,
  declaredClientTimeoutMs,
  resolveOptions,
} from "./options.js";
import { PositionCache } from "./position-cache.js";
import type { SharedState } from "./shared-state.js";
import { StatsTable } from "./stats.js";

/** What a `CacheManager` is made of, built from its options (one place that wires the parts together). */
export interface ManagerParts {
  readonly namespace: string;
  readonly clock: Clock;
  readonly events: ManagerEvents;
  readonly breaker: CircuitBreaker;
  /** `namespace` + the cache-type prefix + ":" per type. */
  readonly prefix: Readonly<Record<CacheType, string>>;
  readonly shared: SharedState;
  readonly stats: StatsTable;
  readonly guarded: GuardedCache;
  readonly nearSetup: NearSetup | null;
  readonly hashes: HashEntries;
  readonly states: StateControl;
  readonly positions: PositionCache;
  readonly metricsIntervalMs: number;
}

/** Validates the arguments and options (`ValidationError`, nothing started) and builds the manager's parts. */
export function createParts(
  client: CacheClient,
  db: DataSourceAdapter,
  options: CacheManagerOptions,
): ManagerParts {
  if (client === null || typeof client !== "object")
    throw new ValidationError("client", client, "is required");
  if (db === null || typeof db !== "object") throw new ValidationError("db", db, "is required");
  const o = resolveOptions(options);
  assertNamespaceSafe(client, o);
  const clock = options.clock ?? systemClock;
  const events = new ManagerEvents(options.eventSink ?? new InProcessEventBus(), clock, o.source);
  const breaker = options.breaker ?? new CircuitBreaker({ clock });
  const stats = new StatsTable();
  // A client whose own command timeout is at most ours needs no second deadline timer per call.
  const declared = declaredClientTimeoutMs(client);
  const trusted = o.trustClientTimeout && declared !== null && declared <= o.cacheTimeoutMs;
  const table = {} as Record<CacheType, string>;
  for (const type of CACHE_TYPES) table[type] = `${o.namespace}${CACHE_KEY_PREFIX[type]}:`;
  const prefix = Object.freeze(table);
  const shared: SharedState = {
    safety: o.safetyState,
    policy: SAFETY_POLICY[o.safetyState],
    ttl: {} as Record<CacheType, number>, // set below, from the state control
    closing: false,
  };
  const guarded = new GuardedCache({
    client,
    breaker,
    deadlines: trusted ? null : new DeadlineQueue(o.cacheTimeoutMs),
    counters: stats.counters,
    typeOf: (key) => typeOfKey(key, prefix),
    stopDraining: () => shared.closing || !shared.policy.cacheEnabled,
  });
  const nearSetup = setUpNearCache(client, options.nearCache, clock, prefix);
  for (const near of nearSetup?.all ?? []) {
    near.setCircuitClosed(breaker.state === CircuitState.CLOSED);
    near.setCacheEnabled(shared.policy.cacheEnabled);
  }
  const hashes = new HashEntries({
    guarded,
    clock,
    nearPrices: nearSetup?.prices ?? null,
    nearPositions: nearSetup?.positions ?? null,
    prefix,
    priceCounters: stats.counters.price,
  });
  const states = new StateControl(
    {
      shared,
      guarded,
      stats,
      events,
      near: nearSetup?.all ?? [],
      namespace: o.namespace,
      prefix,
      ttlOverridesMs: o.ttlOverridesMs,
      flushTimeoutMs: o.flushTimeoutMs,
    },
    o.operatingState,
  );
  shared.ttl = states.ttlTable();
  const positions = new PositionCache(
    guarded,
    db,
    prefix.position,
    shared,
    nearSetup?.positions ?? null,
    clock,
  );
  return {
    namespace: o.namespace,
    clock,
    events,
    breaker,
    prefix,
    shared,
    stats,
    guarded,
    nearSetup,
    hashes,
    states,
    positions,
    metricsIntervalMs: o.metricsIntervalMs,
  };
}

/** The cache type a key belongs to (by its prefix); keys of other writers count as ORDER. */
function typeOfKey(key: string, prefixes: Readonly<Record<CacheType, string>>): CacheType {
  for (const type of CACHE_TYPES) if (key.startsWith(prefixes[type])) return type;
  return CacheType.ORDER;
}
