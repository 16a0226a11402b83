import {
  type Clock,
  ConfigError,
  type DataLayerConfig,
  type DataLayerConfigInput,
  type DataSourceAdapter,
  DataSourceMode,
  dataLayerConfig,
  dataLayerConfigProblems,
  isMigratable,
  isReplicatedStore,
} from "@qts/contracts";
import { HybridAdapter, type HybridAdapterOptions } from "./hybrid/hybrid-adapter.js";
import type { SheetsAuth } from "./sheets/client.js";
import { GoogleSheetsAdapter, type GoogleSheetsAdapterOptions } from "./sheets/sheets-adapter.js";
import { TimescaleAdapter, type TimescaleAdapterOptions } from "./timescale/index.js";

/** Everything `createDataSource` needs besides the config: credentials, extra options, ready-made stores. */
export interface CreateDataSourceDeps {
  /** An authenticated client for Sheets (wins over `config.sheets.keyFile`; neither: Application Default Credentials). */
  sheetsAuth?: SheetsAuth | undefined;
  /** Extra options for the Sheets adapter (retry, onWarning, clock...). */
  sheets?: Partial<Omit<GoogleSheetsAdapterOptions, "spreadsheetId" | "auth">> | undefined;
  /** Extra options for the Timescale adapter (schema, timescale mode...). */
  timescale?: Partial<Omit<TimescaleAdapterOptions, "dsn" | "pool">> | undefined;
  /** Options of the Hybrid adapter (backlog size, retry, event sink). */
  hybrid?: HybridAdapterOptions | undefined;
  /** HYBRID: which store is the truth (default "db": the database is primary, the spreadsheet secondary). */
  hybridPrimary?: "db" | "sheets" | undefined;
  /** Use this adapter as the database store instead of a TimescaleAdapter built from `dbDsn` (e.g. `new InMemoryAdapter()`). */
  db?: DataSourceAdapter | undefined;
  /** Use this adapter as the spreadsheet store instead of one built from `config.sheets`. */
  sheetsStore?: DataSourceAdapter | undefined;
  /** Clock for `updatedAt` of positions, given to the adapters built here. */
  clock?: Clock | undefined;
}

/**
 * Builds the data source of a mode:
 * - `SHEETS_ONLY` → `GoogleSheetsAdapter` (needs `sheets.spreadsheetId`);
 * - `DB_ONLY` → `TimescaleAdapter` (needs `dbDsn`; call `await migrateDataSource(adapter)` or `qts migrate` once);
 * - `HYBRID` → `HybridAdapter(db, sheets)`: the database is primary (the truth, fast, transactional) and the
 *   spreadsheet secondary (kept current for the people who still read it; its quota errors never block a
 *   write). `hybridPrimary: "sheets"` flips it for a first migration stage where the sheet stays the truth.
 * There is no in-memory mode: construct `new InMemoryAdapter()`, or pass it as `deps.db`. A missing setting
 * throws `ConfigError` naming it (e.g. `HYBRID` without a DSN); `deps.db` / `deps.sheetsStore` replace the
 * corresponding setting.
 */
export function createDataSource(
  config: DataLayerConfig | DataLayerConfigInput = {},
  deps: CreateDataSourceDeps = {},
): DataSourceAdapter {
  const cfg = dataLayerConfig(config as DataLayerConfigInput);
  const problems = dataLayerConfigProblems(cfg).filter(
    (p) =>
      !(deps.db && p.variable.startsWith("dbDsn")) &&
      !(deps.sheetsStore && p.variable.startsWith("sheets.spreadsheetId")),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  const clock = deps.clock === undefined ? {} : { clock: deps.clock };
  const db = (): DataSourceAdapter =>
    deps.db ?? new TimescaleAdapter({ ...deps.timescale, ...clock, dsn: cfg.dbDsn, pool: cfg.pool });
  const sheets = (): DataSourceAdapter =>
    deps.sheetsStore ??
    new GoogleSheetsAdapter({
      ...deps.sheets,
      ...clock,
      spreadsheetId: cfg.sheets.spreadsheetId,
      auth: deps.sheetsAuth,
      keyFile: cfg.sheets.keyFile || undefined,
      rootUrl: cfg.sheets.rootUrl || deps.sheets?.rootUrl || undefined,
      tabs: cfg.sheets.tabs,
    });
  switch (cfg.mode) {
    case DataSourceMode.SHEETS_ONLY:
      return sheets();
    case DataSourceMode.DB_ONLY:
      return db();
    case DataSourceMode.HYBRID: {
      const [primary, secondary] = deps.hybridPrimary === "sheets" ? [sheets(), db()] : [db(), sheets()];
      return new HybridAdapter(primary, secondary, { name: "hybrid", ...deps.hybrid });
    }
  }
}

/** Runs `migrate()` on every migratable store in a data source (itself, or a Hybrid's stores); resolves to how many. */
export async function migrateDataSource(adapter: DataSourceAdapter): Promise<number> {
  if (isMigratable(adapter)) {
    await adapter.migrate();
    return 1;
  }
  if (isReplicatedStore(adapter)) {
    return (await migrateDataSource(adapter.primary)) + (await migrateDataSource(adapter.secondary));
  }
  return 0;
}
