import type { CacheClient, DataSourceAdapter, Position } from "@qts/contracts";

/**
 * The project's classes under test, loaded at run time so the bench builds and runs (marking rows skipped)
 * while a package is still being written. The shapes are those of SPEC.md "Construction".
 */

export interface RedisCacheClientLike extends CacheClient {
  readonly namespace?: string;
}

export interface CacheManagerLike {
  getPrice(symbol: string): Promise<Record<string, string> | null>;
  pushPrice(symbol: string, data: Record<string, string>): Promise<unknown>;
  getPosition(symbol: string): Promise<Position | null>;
  isCircuitOpen(): boolean;
  getStats(type: "price" | "position"): { hitCount: number; missCount: number; errorCount: number };
  close?(): Promise<void>;
}

export interface TimescaleAdapterLike extends DataSourceAdapter {
  migrate(): Promise<unknown>;
}

export type RedisCacheClientCtor = new (options: Record<string, unknown>) => RedisCacheClientLike;
export type CacheManagerCtor = new (
  client: CacheClient,
  db: DataSourceAdapter,
  options?: Record<string, unknown>,
) => CacheManagerLike;
export type TimescaleAdapterCtor = new (options: {
  dsn: string;
  schema?: string;
  pool?: Record<string, number>;
}) => TimescaleAdapterLike;

async function load<T>(specifier: string, name: string): Promise<T | string> {
  try {
    const mod = (await import(specifier)) as Record<string, unknown>;
    const v = mod[name];
    return typeof v === "function" ? (v as T) : `${specifier} does not export ${name} yet`;
  } catch (error) {
    return `${specifier} failed to load: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The class, or a string saying why it is not available. */
export const loadRedisCacheClient = (): Promise<RedisCacheClientCtor | string> =>
  load<RedisCacheClientCtor>("@qts/cache", "RedisCacheClient");
export const loadCacheManager = (): Promise<CacheManagerCtor | string> =>
  load<CacheManagerCtor>("@qts/cache-manager", "CacheManager");
export const loadTimescaleAdapter = (): Promise<TimescaleAdapterCtor | string> =>
  load<TimescaleAdapterCtor>("@qts/db-adapters", "TimescaleAdapter");

/** Thrown inside a row when one of our classes is missing; the runner turns it into a skipped row. */
export class NotReady extends Error {}

export function need<T>(v: T | string): T {
  if (typeof v === "string") throw new NotReady(v);
  return v;
}

// Compile-time checks that the real classes still fit the shapes above (types only: nothing is imported at run
// time, so a package that is mid-rewrite never stops the bench from loading).
type Fits<T extends U, U> = T;
export type OursShapesFit = [
  Fits<InstanceType<typeof import("@qts/cache").RedisCacheClient>, RedisCacheClientLike>,
  Fits<InstanceType<typeof import("@qts/cache-manager").CacheManager>, CacheManagerLike>,
  Fits<InstanceType<typeof import("@qts/db-adapters").TimescaleAdapter>, TimescaleAdapterLike>,
  Fits<
    {
      breaker: import("@qts/cache").CircuitBreaker;
      ttlOverridesMs: { price: number; position: number };
      metricsIntervalMs: number;
    },
    import("@qts/cache-manager").CacheManagerOptions
  >,
  Fits<
    { url: string; namespace: string; socketTimeoutMs: number; enableAutoPipelining: boolean },
    import("@qts/cache").RedisCacheClientOptions
  >,
  Fits<
    { dsn: string; schema: string; pool: { commandTimeoutMs: number } },
    import("@qts/db-adapters").TimescaleAdapterOptions
  >,
];
