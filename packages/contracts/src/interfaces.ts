import type { Decimal } from "./decimal.js";
import type { Interval } from "./interval.js";
import type { LedgerQuery } from "./query.js";
import type { Fill, FillResult } from "./records/fill.js";
import type { HealthStatus } from "./records/health.js";
import type { LedgerEntry } from "./records/ledger.js";
import type { OHLCV } from "./records/ohlcv.js";
import type { Position } from "./records/position.js";
import type { TickData } from "./records/tick.js";

/**
 * A store of positions, the trade ledger, bars and ticks. Every implementation passes the conformance
 * suite of `@qts/db-adapters/testing`. Shared semantics:
 * - time ranges are half-open `[start, end)`, results ascending by time; `start > end` → `ValidationError`;
 * - `fetchLedger` is newest first (timestamp desc, then id desc), `limit` 1..10000, default 100;
 * - writes resolve `true` once durable and otherwise reject with `ValidationError`,
 *   `DataSourceUnavailableError`, `ReadOnlyError` or `DataSourceError` — never a silent `false`.
 */
export interface DataSourceAdapter {
  readonly name: string;
  /** All positions, ordered by symbol. */
  fetchPositions(): Promise<Position[]>;
  fetchPosition(symbol: string): Promise<Position | null>;
  /** Upserts qty and avgPrice, sets updatedAt, keeps the other fields. A qty of 0 keeps the row (flat). */
  updatePosition(symbol: string, qty: Decimal.Value, avgPrice: Decimal.Value): Promise<boolean>;
  /** Stores the entry; the store assigns its id. */
  appendLedger(entry: LedgerEntry): Promise<boolean>;
  /**
   * Books one fill atomically and idempotently: appends its ledger entry (carrying `fillId`) and moves the
   * position by `applyFillToPosition`, in one store transaction. A `fillId` already booked changes nothing and
   * resolves with the stored entry, the current position and `duplicate: true`; the same `fillId` with a
   * different symbol, side, qty or price rejects with `ConflictError`. After `DataSourceUnavailableError`
   * (committed or not) retry with the same fill.
   */
  applyFill(fill: Fill): Promise<FillResult>;
  fetchLedger(query?: LedgerQuery): Promise<LedgerEntry[]>;
  /** Stored bars of `interval` (default "1d"), or finer stored bars aggregated when none are stored. */
  fetchOhlcv(symbol: string, start: Date, end: Date, interval?: Interval): Promise<OHLCV[]>;
  fetchTickData(symbol: string, start: Date, end: Date): Promise<TickData[]>;
  /** Bulk write (upsert on symbol, interval, time); resolves to the number of rows written. */
  appendOhlcv(bars: readonly OHLCV[], interval?: Interval): Promise<number>;
  /** Bulk write (COPY on PostgreSQL); resolves to the number of rows written. */
  appendTicks(ticks: readonly TickData[]): Promise<number>;
  healthCheck(): Promise<HealthStatus>;
  close(): Promise<void>;
}

/** A cache entry: a flat hash of string fields. */
export type CacheHash = Record<string, string>;

/**
 * A hash cache with per-key TTLs. Every implementation passes the conformance suite of `@qts/cache/testing`.
 * Failures reject with `CacheUnavailableError`.
 */
export interface CacheClient {
  get(key: string): Promise<CacheHash | null>;
  /** Replaces the whole hash and sets its TTL (milliseconds, fractional TTLs are not rounded to seconds). */
  set(key: string, mapping: Readonly<CacheHash>, ttlMs: number): Promise<boolean>;
  /** True when a key was removed. */
  delete(key: string): Promise<boolean>;
  /** Every key in one round trip; missing and expired keys map to null. */
  getMany(keys: readonly string[]): Promise<Map<string, CacheHash | null>>;
  healthCheck(): Promise<HealthStatus>;
  close(): Promise<void>;
}

/** A cache client that can remove every key under its own namespace (never the whole database). */
export interface NamespacedCacheClient extends CacheClient {
  readonly namespace: string;
  /**
   * Removes the keys under this client's namespace, or only those whose key (without the namespace) starts
   * with `prefix`; resolves to how many were removed. Redis does it with SCAN + UNLINK, never FLUSHDB.
   */
  flushNamespace(prefix?: string): Promise<number>;
}

/** The hash field that carries a cached entry's version (see `VersionedCacheClient`). */
export const CACHE_VERSION_FIELD = "version";

/**
 * A cache client with versioned writes: the cache never goes back in time. `setIfNewer` stores the hash with
 * `version` (as the decimal string in field {@link CACHE_VERSION_FIELD}) and the TTL, atomically, only when the
 * key is absent or expired, or when `version` is greater than the cached entry's version (an entry without
 * the field counts as version 0). A version-0 write replaces only an absent or version-0 entry, never a
 * versioned one; an equal version > 0 is not applied. Resolves to whether it was applied.
 */
export interface VersionedCacheClient extends CacheClient {
  setIfNewer(key: string, mapping: Readonly<CacheHash>, ttlMs: number, version: number): Promise<boolean>;
}

/** A cache client that writes many entries with one TTL in one round trip; resolves to how many it wrote. */
export interface BatchCacheClient extends CacheClient {
  setMany(entries: Iterable<readonly [string, Readonly<CacheHash>]>, ttlMs: number): Promise<number>;
}

/**
 * A versioned client that applies many versioned entries (`[key, hash, version]`) in one round trip, each
 * as `setIfNewer` would; resolves to how many were applied.
 */
export interface VersionedBatchCacheClient extends VersionedCacheClient {
  setManyIfNewer(
    entries: Iterable<readonly [string, Readonly<CacheHash>, number]>,
    ttlMs: number,
  ): Promise<number>;
}

/** A cache entry with its remaining TTL. */
export interface HashWithTtl {
  readonly hash: CacheHash;
  readonly ttlMs: number;
}

/** A cache client that reads an entry together with its remaining TTL in one round trip (the near cache). */
export interface TtlReadingCacheClient extends CacheClient {
  getWithTtl(key: string): Promise<HashWithTtl | null>;
}

export function isBatchCacheClient(client: CacheClient): client is BatchCacheClient {
  return typeof (client as Partial<BatchCacheClient>).setMany === "function";
}

export function isVersionedBatchCacheClient(client: CacheClient): client is VersionedBatchCacheClient {
  return (
    isVersionedCacheClient(client) &&
    typeof (client as Partial<VersionedBatchCacheClient>).setManyIfNewer === "function"
  );
}

export function isTtlReadingCacheClient(client: CacheClient): client is TtlReadingCacheClient {
  return typeof (client as Partial<TtlReadingCacheClient>).getWithTtl === "function";
}

export function isVersionedCacheClient(client: CacheClient): client is VersionedCacheClient {
  return typeof (client as Partial<VersionedCacheClient>).setIfNewer === "function";
}

export function isNamespacedCacheClient(client: CacheClient): client is NamespacedCacheClient {
  return typeof (client as Partial<NamespacedCacheClient>).flushNamespace === "function";
}
