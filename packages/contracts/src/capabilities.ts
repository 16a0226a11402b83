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
  verifyConsistency(): Promise<{ readonly consistent: boolean; readonly backlog?: number }>;
  /** Resolves once the replica has every accepted write (rejects after `timeoutMs`). */
  drain(timeoutMs?: number): Promise<void>;
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

/** One pending secondary write in a store's transactional outbox, in the order the primary committed it. */
export interface OutboxRow {
  /** Increasing in commit order of the writes on one store. */
  readonly id: string;
  /** The write kind (`position`, `putPosition`, `ledger`, `fill`, `ohlcv`, `ticks`). */
  readonly kind: string;
  /** The validated records of the write as JSON (decimals as plain strings, dates as ISO strings). */
  readonly payload: unknown;
  readonly createdAt: Date;
}

export interface OutboxStats {
  /** Rows waiting. */
  readonly depth: number;
  /** Age of the oldest waiting row (0 when empty). */
  readonly oldestAgeMs: number;
}

/** What a relay pass delivered: the ids of the rows the secondary now has (deleted), and the first failure. */
export interface OutboxDelivery {
  readonly delivered: readonly string[];
  /** Thrown by `relayOutbox` after the delivered rows are deleted (undefined: none). */
  readonly failure?: unknown;
}

/**
 * A store that can record, in the same transaction as each of its writes, an outbox row describing it
 * (`TimescaleAdapter`), so a replica fed from the outbox survives a crash of the writer (transactional outbox).
 */
export interface OutboxStore {
  /** Turns the outbox on: from now on every write also inserts its outbox row, atomically with the write. */
  enableOutbox(): void;
  readonly outboxEnabled: boolean;
  /**
   * Hands the oldest rows (at most `limit`, in id order) to `deliver` at once while holding the store's relay
   * lock (one relay at a time across processes); deletes the rows `deliver` reports delivered, then throws its
   * `failure` if any (a `deliver` that throws delivered nothing). Resolves with the number delivered, or
   * `null` when another relay holds the lock.
   */
  relayOutbox(
    limit: number,
    deliver: (rows: readonly OutboxRow[]) => Promise<OutboxDelivery>,
  ): Promise<number | null>;
  /** Deletes waiting rows of the given kinds (e.g. after a repair made them redundant). */
  discardOutbox(kinds: readonly string[]): Promise<number>;
  outboxStats(): Promise<OutboxStats>;
}

export function isOutboxStore<T extends object>(x: T): x is T & OutboxStore {
  const s = x as Partial<OutboxStore>;
  return typeof s.enableOutbox === "function" && typeof s.relayOutbox === "function";
}
