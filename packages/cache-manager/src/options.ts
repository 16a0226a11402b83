import { type CircuitBreaker, InMemoryCacheClient } from "@qts/cache";
import {
  CACHE_TYPES,
  type CacheClient,
  type CacheType,
  type Clock,
  declaresCommandTimeout,
  type EventSink,
  isNamespacedCacheClient,
  isOperatingState,
  isSafetyState,
  type OperatingState,
  opt,
  type SafetyState,
  ValidationError,
} from "@qts/contracts";
import type { NearCacheOptions } from "./near-setup.js";

export interface CacheManagerOptions {
  /** Time source for stale checks, event timestamps and the default breaker (default: system clock). */
  clock?: Clock | undefined;
  /** Where events go (default: a new `InProcessEventBus`, reachable as `manager.events`). */
  eventSink?: EventSink | undefined;
  /** Wraps every cache call (default: `new CircuitBreaker({ clock })`: 5 failures, 60 s recovery). */
  breaker?: CircuitBreaker | undefined;
  /** Per-type TTLs replacing `CACHE_TTL_MS` (an operating state's own TTL still wins). */
  ttlOverridesMs?: Readonly<Partial<Record<CacheType, number>>> | undefined;
  /** Period of `METRIC_RECORD` events in ms (default 10 000); 0 = only on demand (`publishMetrics()`). */
  metricsIntervalMs?: number | undefined;
  /** Prefix of every key this manager writes, inside the client's own namespace (default ""). */
  namespace?: string | undefined;
  /**
   * Accept an empty `namespace` over a shared client whose own namespace is empty too (default false): the
   * manager's keys would then be `pos:*`, `price:*`, ... of the whole database, and LOCKDOWN or `flush()` would
   * remove other applications' keys under those prefixes.
   */
  allowEmptyNamespace?: boolean | undefined;
  /** `source` of published events (default "cache-manager"). */
  source?: string | undefined;
  /** Deadline of one cache call in ms; a call that takes longer counts as a failure (default 100). */
  cacheTimeoutMs?: number | undefined;
  /** Deadline of a flush (SCAN + UNLINK can take longer than one command) in ms (default 5000). */
  flushTimeoutMs?: number | undefined;
  /**
   * When the client declares its own `commandTimeoutMs` no longer than `cacheTimeoutMs`, rely on it instead
   * of timing every call here (default true): the hot path then adds no timer bookkeeping at all.
   */
  trustClientTimeout?: boolean | undefined;
  /** Initial safety state (default NORMAL). */
  safetyState?: SafetyState | undefined;
  /** Initial operating state (default BALANCED). */
  operatingState?: OperatingState | undefined;
  /**
   * Off by default. Keeps decoded positions and prices in process, coherent through Redis invalidation
   * messages (`RedisCacheClient` on a single Redis or Sentinel only; see the README "Near cache").
   */
  nearCache?: NearCacheOptions | undefined;
}

export interface ResolvedOptions {
  readonly ttlOverridesMs: Readonly<Partial<Record<CacheType, number>>>;
  readonly metricsIntervalMs: number;
  readonly namespace: string;
  readonly allowEmptyNamespace: boolean;
  readonly source: string;
  readonly cacheTimeoutMs: number;
  readonly flushTimeoutMs: number;
  readonly trustClientTimeout: boolean;
  readonly safetyState: SafetyState;
  readonly operatingState: OperatingState;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** A duration option: the shared `opt` validators (> 0, or >= 0 where 0 means "off"). */
function positiveMs(value: unknown, field: string, fallback: number, allowZero = false): number {
  return allowZero ? opt.ms(value, field, fallback) : opt.positiveMs(value, field, fallback);
}

/** Validates the options; every problem is a `ValidationError` naming the option. */
export function resolveOptions(options: CacheManagerOptions): ResolvedOptions {
  const overrides: Partial<Record<CacheType, number>> = {};
  for (const [type, ttl] of Object.entries(options.ttlOverridesMs ?? {})) {
    if (!(CACHE_TYPES as readonly string[]).includes(type)) {
      throw new ValidationError("ttlOverridesMs", type, `keys must be one of ${CACHE_TYPES.join(", ")}`);
    }
    if (ttl === undefined) continue;
    overrides[type as CacheType] = positiveMs(ttl, `ttlOverridesMs.${type}`, 0);
  }
  const namespace = options.namespace ?? "";
  if (typeof namespace !== "string" || CONTROL_CHARS.test(namespace)) {
    throw new ValidationError("namespace", namespace, "must be a string without control characters");
  }
  const allowEmptyNamespace = options.allowEmptyNamespace ?? false;
  if (typeof allowEmptyNamespace !== "boolean") {
    throw new ValidationError("allowEmptyNamespace", allowEmptyNamespace, "must be a boolean");
  }
  const source = options.source ?? "cache-manager";
  if (typeof source !== "string" || source === "")
    throw new ValidationError("source", source, "must be a non-empty string");
  const safetyState = options.safetyState ?? "NORMAL";
  if (!isSafetyState(safetyState))
    throw new ValidationError("safetyState", safetyState, "is not a SafetyState");
  const operatingState = options.operatingState ?? "BALANCED";
  if (!isOperatingState(operatingState)) {
    throw new ValidationError("operatingState", operatingState, "is not an OperatingState");
  }
  return Object.freeze({
    ttlOverridesMs: Object.freeze(overrides),
    metricsIntervalMs: positiveMs(options.metricsIntervalMs, "metricsIntervalMs", 10_000, true),
    namespace,
    allowEmptyNamespace,
    source,
    cacheTimeoutMs: positiveMs(options.cacheTimeoutMs, "cacheTimeoutMs", 100),
    flushTimeoutMs: positiveMs(options.flushTimeoutMs, "flushTimeoutMs", 5000),
    trustClientTimeout: options.trustClientTimeout ?? true,
    safetyState,
    operatingState,
  });
}

/**
 * Refuses (`ValidationError` on `namespace`) an empty manager namespace over a namespaced client whose own
 * namespace is empty, unless `allowEmptyNamespace`. An `InMemoryCacheClient` is exempt: its store belongs to
 * this process, so no other application's keys can be under it.
 */
export function assertNamespaceSafe(client: CacheClient, o: ResolvedOptions): void {
  if (o.namespace !== "" || o.allowEmptyNamespace) return;
  if (!isNamespacedCacheClient(client) || client.namespace !== "") return;
  if (client instanceof InMemoryCacheClient) return;
  throw new ValidationError(
    "namespace",
    o.namespace,
    "is empty and so is the client's namespace: this manager's keys (pos:*, price:*, ...) would be shared " +
      "with every application on the database, and LOCKDOWN would delete theirs; give the client or the " +
      "manager a namespace, or pass allowEmptyNamespace: true",
  );
}

/** The client's own per-operation deadline when it declares one (`DeclaresCommandTimeout`, e.g. Redis). */
export function declaredClientTimeoutMs(client: object): number | null {
  return declaresCommandTimeout(client) ? client.commandTimeoutMs : null;
}
