import { type Loose, stripUndefined } from "./cache-config.js";
import { postgresDsnProblem } from "./dsn.js";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { freezeRedacted, redactDsn } from "./redact.js";

/** Where the data layer keeps its truth: the seed's migration path is SHEETS_ONLY → HYBRID → DB_ONLY. */
export const DataSourceMode = Object.freeze({
  SHEETS_ONLY: "SHEETS_ONLY",
  HYBRID: "HYBRID",
  DB_ONLY: "DB_ONLY",
} as const);
export type DataSourceMode = (typeof DataSourceMode)[keyof typeof DataSourceMode];

export function isDataSourceMode(value: unknown): value is DataSourceMode {
  return typeof value === "string" && Object.values(DataSourceMode).includes(value as DataSourceMode);
}

export interface ConnectionPoolConfig {
  readonly minConnections: number;
  readonly maxConnections: number;
  readonly commandTimeoutMs: number;
  readonly statementCacheSize: number;
}

export const DEFAULT_POOL_CONFIG: ConnectionPoolConfig = Object.freeze({
  minConnections: 5,
  maxConnections: 20,
  commandTimeoutMs: 5000,
  statementCacheSize: 100,
});

/** Tab names of the Sheets store, one per record kind. */
export interface SheetsTabs {
  readonly positions: string;
  readonly ledger: string;
  readonly ohlcv: string;
  readonly ticks: string;
}

export const DEFAULT_SHEETS_TABS: SheetsTabs = Object.freeze({
  positions: "positions",
  ledger: "ledger",
  ohlcv: "ohlcv",
  ticks: "ticks",
});

export interface SheetsConfig {
  readonly spreadsheetId: string;
  /** Path of a service-account key file (empty: use an injected auth client or application default). */
  readonly keyFile: string;
  /** Overrides the API root (tests point it at the local emulator). Empty: Google's. */
  readonly rootUrl: string;
  readonly tabs: SheetsTabs;
}

export const DEFAULT_SHEETS_CONFIG: SheetsConfig = Object.freeze({
  spreadsheetId: "",
  keyFile: "",
  rootUrl: "",
  tabs: DEFAULT_SHEETS_TABS,
});

export interface DataLayerConfig {
  readonly mode: DataSourceMode;
  /**
   * PostgreSQL connection string: a `postgres://` URL or libpq key=value pairs (TLS via `sslmode`); see
   * `postgresDsnToUrl`. Redacted in every string form.
   */
  readonly dbDsn: string;
  readonly pool: ConnectionPoolConfig;
  readonly sheets: SheetsConfig;
}

export interface DataLayerConfigInput {
  mode?: DataSourceMode | undefined;
  dbDsn?: string | undefined;
  pool?: Loose<ConnectionPoolConfig> | undefined;
  sheets?: (Loose<Omit<SheetsConfig, "tabs">> & { tabs?: Loose<SheetsTabs> | undefined }) | undefined;
}

function redactDataLayer(c: DataLayerConfig): Record<string, unknown> {
  return { ...c, dbDsn: redactDsn(c.dbDsn) };
}

const POOL_RULES: Record<keyof ConnectionPoolConfig, { min: number; max: number; env: string }> = {
  minConnections: { min: 0, max: 1000, env: "QTS_DB_POOL_MIN" },
  maxConnections: { min: 1, max: 1000, env: "QTS_DB_POOL_MAX" },
  commandTimeoutMs: { min: 1, max: 3_600_000, env: "QTS_DB_COMMAND_TIMEOUT_MS" },
  statementCacheSize: { min: 0, max: 100_000, env: "QTS_DB_STATEMENT_CACHE_SIZE" },
};

function checkPool(pool: ConnectionPoolConfig, issues: ConfigIssue[], useEnvNames: boolean): void {
  for (const [field, rule] of Object.entries(POOL_RULES)) {
    const v = pool[field as keyof ConnectionPoolConfig];
    if (!Number.isInteger(v) || v < rule.min || v > rule.max) {
      issues.push({
        variable: useEnvNames ? rule.env : `pool.${field}`,
        value: String(v),
        reason: `must be an integer between ${rule.min} and ${rule.max}`,
      });
    }
  }
  if (Number.isInteger(pool.minConnections) && pool.minConnections > pool.maxConnections) {
    issues.push({
      variable: useEnvNames ? "QTS_DB_POOL_MIN" : "pool.minConnections",
      value: String(pool.minConnections),
      reason: `must be <= maxConnections (${pool.maxConnections})`,
    });
  }
}

function checkDsn(dsn: string, variable: string, issues: ConfigIssue[]): void {
  if (dsn === "") return;
  const reason = postgresDsnProblem(dsn);
  if (reason !== null) issues.push({ variable, value: redactDsn(dsn), reason });
}

function build(input: DataLayerConfigInput, issues: ConfigIssue[], useEnvNames: boolean): DataLayerConfig {
  const mode = input.mode ?? DataSourceMode.SHEETS_ONLY;
  if (!isDataSourceMode(mode)) {
    issues.push({
      variable: useEnvNames ? "QTS_DATA_MODE" : "mode",
      value: String(mode),
      reason: "must be SHEETS_ONLY, HYBRID or DB_ONLY",
    });
  }
  const dbDsn = input.dbDsn ?? "";
  checkDsn(dbDsn, useEnvNames ? "QTS_DB_DSN" : "dbDsn", issues);
  const pool = Object.freeze({ ...DEFAULT_POOL_CONFIG, ...stripUndefined(input.pool ?? {}) });
  checkPool(pool, issues, useEnvNames);
  const sheetsIn = input.sheets ?? {};
  const sheets: SheetsConfig = Object.freeze({
    ...DEFAULT_SHEETS_CONFIG,
    ...stripUndefined({ ...sheetsIn, tabs: undefined }),
    tabs: Object.freeze({ ...DEFAULT_SHEETS_TABS, ...stripUndefined(sheetsIn.tabs ?? {}) }),
  });
  return freezeRedacted({ mode, dbDsn, pool, sheets }, redactDataLayer);
}

/** Builds a validated data-layer config; throws `ConfigError` listing every problem. */
export function dataLayerConfig(input: DataLayerConfigInput = {}): DataLayerConfig {
  const issues: ConfigIssue[] = [];
  const config = build(input, issues, false);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/**
 * What a mode needs that the config lacks (e.g. HYBRID without a DSN); empty when the config is usable.
 * `createDataSource` throws a `ConfigError` with these.
 */
export function dataLayerConfigProblems(config: DataLayerConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const needsDb = config.mode === DataSourceMode.HYBRID || config.mode === DataSourceMode.DB_ONLY;
  const needsSheets = config.mode === DataSourceMode.HYBRID || config.mode === DataSourceMode.SHEETS_ONLY;
  if (needsDb && config.dbDsn === "") {
    issues.push({
      variable: "dbDsn (QTS_DB_DSN)",
      value: "",
      reason: `mode ${config.mode} needs a PostgreSQL DSN`,
    });
  }
  if (needsSheets && config.sheets.spreadsheetId === "") {
    issues.push({
      variable: "sheets.spreadsheetId (QTS_SHEETS_SPREADSHEET_ID)",
      value: "",
      reason: `mode ${config.mode} needs a spreadsheet id`,
    });
  }
  return issues;
}

/** `hybrid` → `HYBRID`; an unknown value is returned as given, so the error shows what the user wrote. */
function normalizeMode(raw: string): string {
  const upper = raw.trim().toUpperCase();
  return isDataSourceMode(upper) ? upper : raw;
}

/**
 * Reads the data-layer config from `QTS_*` variables and reports every bad value at once:
 * `QTS_DATA_MODE` (SHEETS_ONLY | HYBRID | DB_ONLY, default SHEETS_ONLY), `QTS_DB_DSN`, `QTS_DB_POOL_MIN`,
 * `QTS_DB_POOL_MAX`, `QTS_DB_COMMAND_TIMEOUT_MS`, `QTS_DB_STATEMENT_CACHE_SIZE`, `QTS_SHEETS_SPREADSHEET_ID`,
 * `QTS_SHEETS_KEY_FILE`, `QTS_SHEETS_ROOT_URL`, `QTS_SHEETS_TAB_POSITIONS|LEDGER|OHLCV|TICKS`.
 */
export function dataLayerConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DataLayerConfig {
  const issues: ConfigIssue[] = [];
  const pool: Partial<Record<keyof ConnectionPoolConfig, number>> = {};
  for (const [field, rule] of Object.entries(POOL_RULES)) {
    const raw = env[rule.env];
    if (raw === undefined || raw === "") continue;
    if (!/^\s*-?\d+\s*$/.test(raw))
      issues.push({ variable: rule.env, value: raw, reason: "must be an integer" });
    else pool[field as keyof ConnectionPoolConfig] = Number(raw);
  }
  const rawMode = env.QTS_DATA_MODE || env.QTS_DATA_SOURCE_MODE;
  const tabs = {
    positions: env.QTS_SHEETS_TAB_POSITIONS || undefined,
    ledger: env.QTS_SHEETS_TAB_LEDGER || undefined,
    ohlcv: env.QTS_SHEETS_TAB_OHLCV || undefined,
    ticks: env.QTS_SHEETS_TAB_TICKS || undefined,
  };
  const config = build(
    {
      mode: rawMode === undefined ? undefined : (normalizeMode(rawMode) as DataSourceMode),
      dbDsn: env.QTS_DB_DSN?.trim() || undefined,
      pool,
      sheets: {
        spreadsheetId: env.QTS_SHEETS_SPREADSHEET_ID?.trim() || undefined,
        keyFile: env.QTS_SHEETS_KEY_FILE?.trim() || undefined,
        rootUrl: env.QTS_SHEETS_ROOT_URL?.trim() || undefined,
        tabs,
      },
    },
    issues,
    true,
  );
  const seen = new Set<string>();
  const unique = issues.filter((i) => !seen.has(i.variable) && seen.add(i.variable));
  if (unique.length > 0) throw new ConfigError(unique);
  return config;
}
