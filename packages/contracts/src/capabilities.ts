import type { DataSourceAdapter } from "./interfaces.js";
import type { Position } from "./records/position.js";

/**
 * Optional capabilities of stores and cache clients beyond the `DataSourceAdapter` / `CacheClient` interfaces,
 * each declared once with one type guard. Code that can use a capability asks the guard, never `instanceof`
 * or ad-hoc property probing.
 */

/** A store that can write a whole position (every field, `updatedAt` included): imports, sync, repair. */
export interface PositionWriter {
  putPosition(p: Position): Promise<boolean>;
}

export function isPositionWriter<T extends object>(x: T): x is T & PositionWriter {
  return typeof (x as Partial<PositionWriter>).putPosition === "function";
}

/** The symbols a store holds, per record kind, each list distinct and in code-unit order. */
export interface StoreSymbols {
  readonly positions: readonly string[];
  readonly ledger: readonly string[];
  readonly bars: readonly string[];
  readonly ticks: readonly string[];
}

/** A store that can list its symbols per record kind (used by `syncDataSources`). */
export interface SymbolLister {
  listSymbols(): Promise<StoreSymbols>;
}

export function isSymbolLister<T extends object>(x: T): x is T & SymbolLister {
  return typeof (x as Partial<SymbolLister>).listSymbols === "function";
}

/** A store with a schema to apply before use (`TimescaleAdapter`): idempotent, safe from two processes. */
export interface Migratable {
  migrate(): Promise<unknown>;
}

export function isMigratable<T extends object>(x: T): x is T & Migratable {
  return typeof (x as Partial<Migratable>).migrate === "function";
}

/** A store made of two stores (`HybridAdapter`): the primary is the truth, the secondary a replica. */
export interface ReplicatedStore {
  readonly primary: DataSourceAdapter;
  readonly secondary: DataSourceAdapter;
}

export function isReplicatedStore<T extends object>(x: T): x is T & ReplicatedStore {
  const s = x as Partial<ReplicatedStore>;
  return (
    typeof s.primary === "object" &&
    s.primary !== null &&
    typeof s.secondary === "object" &&
    s.secondary !== null
  );
}

/** A replicated store that can report and repair how its replica differs (`verifyConsistency`, `repair`). */
export interface Reconcilable {
  verifyConsistency(): Promise<{ readonly consistent: boolean }>;
  repair(): Promise<unknown>;
  /** Writes accepted by the primary and not yet applied to the replica. */
  readonly backlog: number;
}

export function isReconcilable<T extends object>(x: T): x is T & Reconcilable {
  const s = x as Partial<Reconcilable>;
  return (
    typeof s.verifyConsistency === "function" &&
    typeof s.repair === "function" &&
    typeof s.backlog === "number"
  );
}

/** Connections of a store's pool right now. */
export interface PoolUsage {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** A store with a connection pool (`TimescaleAdapter`). */
export interface PooledStore {
  readonly poolUsage: PoolUsage;
}

export function isPooledStore<T extends object>(x: T): x is T & PooledStore {
  const usage = (x as Partial<PooledStore>).poolUsage;
  return typeof usage === "object" && usage !== null && typeof usage.total === "number";
}

/**
 * A client that enforces its own per-operation deadline (`RedisCacheClient`: `config.socketTimeoutMs`); a cache
 * manager whose deadline is no shorter relies on it instead of timing each call again.
 */
export interface DeclaresCommandTimeout {
  readonly commandTimeoutMs: number;
}

export function declaresCommandTimeout<T extends object>(x: T): x is T & DeclaresCommandTimeout {
  const ms = (x as Partial<DeclaresCommandTimeout>).commandTimeoutMs;
  return typeof ms === "number" && Number.isFinite(ms) && ms > 0;
}
