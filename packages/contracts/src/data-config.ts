import { type Loose, stripUndefined } from "./cache-config.js";
import { envInteger, type IntRule, intRangeReason } from "./config-rules.js";
import { postgresDsnProblem } from "./dsn.js";
import type { ConfigIssue } from "./errors.js";
import { IssueCollector, opt } from "./options.js";
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

const POOL_RULES: Record<keyof ConnectionPoolConfig, IntRule & { env: string }> = {
  minConnections: { min: 0, max: 1000, env: "QTS_DB_POOL_MIN" },
  maxConnections: { min: 1, max: 1000, env: "QTS_DB_POOL_MAX" },
  commandTimeoutMs: { min: 1, max: 3_600_000, env: "QTS_DB_COMMAND_TIMEOUT_MS" },
  statementCacheSize: { min: 0, max: 100_000, env: "QTS_DB_STATEMENT_CACHE_SIZE" },
};

function checkPool(pool: ConnectionPoolConfig, issues: IssueCollector, useEnvNames: boolean): void {
  for (const [field, rule] of Object.entries(POOL_RULES)) {
    const key = field as keyof ConnectionPoolConfig;
    const variable = useEnvNames ? rule.env : `pool.${field}`;
    const def = DEFAULT_POOL_CONFIG[key];
    issues.check(() => opt.int(pool[key], variable, def, rule.min, rule.max), def, {
      reason: intRangeReason(rule),
    });
  }
  if (Number.isInteger(pool.minConnections) && pool.minConnections > pool.maxConnections) {
    issues.add(
      useEnvNames ? "QTS_DB_POOL_MIN" : "pool.minConnections",
      pool.minConnections,
      `must be <= maxConnections (${pool.maxConnections})`,
    );
  }
}

function checkDsn(dsn: string, variable: string, issues: IssueCollector): void {
  if (dsn === "") return;
  const reason = postgresDsnProblem(dsn);
  if (reason !== null) issues.add(variable, redactDsn(dsn), reason);
}

function build(input: DataLayerConfigInput, issues: IssueCollector, useEnvNames: boolean): DataLayerConfig {
  const mode = input.mode ?? DataSourceMode.SHEETS_ONLY;
  issues.check(
    () =>
      opt.oneOf(
        mode,
        useEnvNames ? "QTS_DATA_MODE" : "mode",
        DataSourceMode.SHEETS_ONLY,
        Object.values(DataSourceMode),
      ),
    mode,
    { reason: "must be SHEETS_ONLY, HYBRID or DB_ONLY" },
  );
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
  const issues = new IssueCollector();
  const config = build(input, issues, false);
  issues.throwIfAny();
  return config;
}

/**
 * What a mode needs that the config lacks (e.g. HYBRID without a DSN); empty when the config is usable.
 * `createDataSource` throws a `ConfigError` with these.
 */
export function dataLayerConfigProblems(config: DataLayerConfig): ConfigIssue[] {
  const issues = new IssueCollector();
  const needsDb = config.mode === DataSourceMode.HYBRID || config.mode === DataSourceMode.DB_ONLY;
  const needsSheets = config.mode === DataSourceMode.HYBRID || config.mode === DataSourceMode.SHEETS_ONLY;
  if (needsDb && config.dbDsn === "")
    issues.add("dbDsn (QTS_DB_DSN)", "", `mode ${config.mode} needs a PostgreSQL DSN`);
  if (needsSheets && config.sheets.spreadsheetId === "") {
    issues.add(
      "sheets.spreadsheetId (QTS_SHEETS_SPREADSHEET_ID)",
      "",
      `mode ${config.mode} needs a spreadsheet id`,
    );
  }
  return [...issues.issues];
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
  // One issue per variable: a bad value is not reported again by a later rule.
  const issues = new IssueCollector({ onePerVariable: true });
  const pool: Partial<Record<keyof ConnectionPoolConfig, number>> = {};
  for (const [field, rule] of Object.entries(POOL_RULES)) {
    const n = envInteger(env, rule.env, issues);
    if (n !== undefined) pool[field as keyof ConnectionPoolConfig] = n;
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
  issues.throwIfAny();
  return config;
}
