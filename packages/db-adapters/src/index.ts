/**
 * The public API of `@qts/db-adapters`, by name (the conformance suite and fault doubles are in
 * `@qts/db-adapters/testing`). `src/common/` and the adapters' parts (SQL, rows, pg error mapping, option
 * resolution) are internal.
 */
export { type CreateDataSourceDeps, createDataSource, migrateDataSource } from "./factory.js";
export { type DataSourceFromEnvOptions, dataSourceFromEnv, fixedTokenAuth } from "./from-env.js";
export { HybridAdapter, type HybridAdapterOptions, type HybridConsistencyReport } from "./hybrid/index.js";
export { InMemoryAdapter, type InMemoryAdapterOptions } from "./memory-adapter.js";
export {
  type ConsistencyReport,
  type DiffScope,
  diffStores,
  fetchAllLedger,
  ledgerKey,
  type PositionDifference,
  type RepairReport,
  repairStores,
  type SyncOptions,
  type SyncPhase,
  type SyncProgress,
  type SyncReport,
  type SyncVerification,
  syncDataSources,
  tickKey,
} from "./replication/index.js";
export {
  DEFAULT_RETRY,
  GoogleSheetsAdapter,
  type GoogleSheetsAdapterOptions,
  type RetryOptions,
  SHEETS_SCOPE,
  type SheetsAuth,
  type SheetsRowWarning,
  TAB_HEADERS,
  TAB_KINDS,
  type TabKind,
} from "./sheets/index.js";
export {
  MIGRATIONS,
  type Migration,
  type MigrationResult,
  runMigrations,
  type StorageKind,
  TimescaleAdapter,
  type TimescaleAdapterOptions,
  type TimescaleMode,
} from "./timescale/index.js";
