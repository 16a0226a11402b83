import type { RedisCacheClient } from "@qts/cache";
import { type CacheManagerFromEnvOptions, cacheManagerFromEnv, type EnvCacheLayer } from "@qts/cache-manager";
import {
  type DataSourceAdapter,
  DataSourceMode,
  type EventSink,
  isDataSourceMode,
  postgresDsnToUrl,
  redactDsn,
  redactUrl,
  warnUnknownQtsVariables,
} from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { dataSourceFromEnv, InMemoryAdapter, migrateDataSource } from "@qts/db-adapters";
import { str, type Values } from "../cli/args.js";
import { CliError, UsageError } from "../cli/errors.js";

type Env = Readonly<Record<string, string | undefined>>;

/** `MEMORY` = nothing configured: the embedded in-memory store. */
export type StoreMode = DataSourceMode | "MEMORY";

/** Where the stores are, from flags first, then `QTS_*` variables. */
export interface StoreSettings {
  readonly mode: StoreMode;
  readonly dbDsn: string;
  readonly redisUrl: string;
  readonly schema: string | undefined;
  readonly namespace: string | undefined;
  readonly sheets: { spreadsheetId: string; rootUrl: string; keyFile: string; token: string };
  /**
   * The `QTS_*` environment with the flags applied on top: what `dataSourceFromEnv` / `cacheManagerFromEnv`
   * read, so every documented variable takes effect in every verb and a flag always wins.
   */
  readonly env: Env;
  /** Prints a warning line (unknown `QTS_*` variables). */
  readonly warn: (message: string) => void;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** Flag → the variable it overrides. */
const FLAG_VARIABLES: Readonly<Record<string, string>> = {
  db: "QTS_DB_DSN",
  redis: "QTS_REDIS_URL",
  mode: "QTS_DATA_MODE",
  schema: "QTS_DB_SCHEMA",
  namespace: "QTS_CACHE_NAMESPACE",
  "sheets-id": "QTS_SHEETS_SPREADSHEET_ID",
  "sheets-root-url": "QTS_SHEETS_ROOT_URL",
  "sheets-key-file": "QTS_SHEETS_KEY_FILE",
  "sheets-token": "QTS_SHEETS_ACCESS_TOKEN",
  "breaker-threshold": "QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD",
  "breaker-recovery-ms": "QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS",
};

/** `env` with each given flag written over the variable it stands for. */
export function envWithFlags(v: Values, env: Env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const [flagName, variable] of Object.entries(FLAG_VARIABLES)) {
    const value = str(v, flagName);
    if (value !== undefined) out[variable] = value;
  }
  return out;
}

export function storeSettings(
  v: Values,
  rawEnv: Env,
  verb: string,
  warn: (message: string) => void = () => {},
): StoreSettings {
  warnUnknownQtsVariables(rawEnv, warn);
  const env = envWithFlags(v, rawEnv);
  const dbDsn = (env.QTS_DB_DSN ?? "").trim();
  const redisUrl = (env.QTS_REDIS_URL ?? "").trim();
  const sheets = {
    spreadsheetId: (env.QTS_SHEETS_SPREADSHEET_ID ?? "").trim(),
    rootUrl: (env.QTS_SHEETS_ROOT_URL ?? "").trim(),
    keyFile: (env.QTS_SHEETS_KEY_FILE ?? "").trim(),
    token: (env.QTS_SHEETS_ACCESS_TOKEN ?? "").trim(),
  };
  const rawMode = (env.QTS_DATA_MODE ?? env.QTS_DATA_SOURCE_MODE ?? "").trim().toUpperCase();
  let mode: StoreMode;
  if (rawMode === "")
    mode = dbDsn ? DataSourceMode.DB_ONLY : sheets.spreadsheetId ? DataSourceMode.SHEETS_ONLY : "MEMORY";
  else if (rawMode === "MEMORY" || isDataSourceMode(rawMode)) mode = rawMode;
  else
    throw new UsageError(
      `--mode must be SHEETS_ONLY, HYBRID, DB_ONLY or MEMORY (got ${JSON.stringify(rawMode)})`,
      verb,
    );
  if ((mode === "DB_ONLY" || mode === "HYBRID") && !dbDsn) {
    throw new UsageError(`mode ${mode} needs a database: give --db postgres://... or set QTS_DB_DSN`, verb);
  }
  if ((mode === "SHEETS_ONLY" || mode === "HYBRID") && !sheets.spreadsheetId) {
    throw new UsageError(
      `mode ${mode} needs a spreadsheet: give --sheets-id or set QTS_SHEETS_SPREADSHEET_ID`,
      verb,
    );
  }
  const schema = env.QTS_DB_SCHEMA?.trim() || undefined;
  if (schema !== undefined && !SCHEMA.test(schema)) {
    throw new UsageError(
      `--schema / QTS_DB_SCHEMA must be a lower-case SQL identifier (got ${JSON.stringify(schema)})`,
      verb,
    );
  }
  const namespace = env.QTS_CACHE_NAMESPACE;
  return { mode, dbDsn, redisUrl, schema, namespace, sheets, env, warn };
}

export interface OpenedStore {
  readonly db: DataSourceAdapter;
  /** Human description, secrets redacted. */
  readonly description: string;
  readonly schema: string | null;
  /** Drops the schema when this run chose it (not one given with --schema). */
  dropSchema(): Promise<void>;
}

function storeFailure(what: string, todo: string, err: unknown): CliError {
  return new CliError(what, errorMessage(err), todo, { cause: err });
}

/**
 * Opens the data store the settings describe through `createDataSource` (PostgreSQL schema `schema`), and
 * applies the migrations unless `migrate` is false. Failures name the store with its URL redacted.
 */
export async function openDataStore(
  s: StoreSettings,
  defaultSchema: string | undefined,
  migrate = true,
  eventSink?: EventSink,
): Promise<OpenedStore> {
  const noDrop = async () => {};
  if (s.mode === "MEMORY") {
    const db = new InMemoryAdapter({ name: "memory" });
    return { db, description: "memory (in-process, nothing persisted)", schema: null, dropSchema: noDrop };
  }
  const schema = s.mode === "SHEETS_ONLY" ? undefined : (s.schema ?? defaultSchema);
  const db = dataSourceFromEnv(
    { ...s.env, QTS_DATA_MODE: s.mode, QTS_DB_SCHEMA: schema },
    { ...(eventSink ? { hybrid: { eventSink } } : {}), onWarning: s.warn },
  );
  const sheetsText = `sheets ${s.sheets.spreadsheetId}${s.sheets.rootUrl ? ` at ${redactUrl(s.sheets.rootUrl)}` : ""}`;
  const pgText = `postgresql ${redactDsn(s.dbDsn)} schema ${schema ?? "public"}`;
  const description =
    s.mode === "SHEETS_ONLY"
      ? sheetsText
      : s.mode === "DB_ONLY"
        ? pgText
        : `hybrid: primary ${pgText}, secondary ${sheetsText}`;
  if (migrate) {
    try {
      await migrateDataSource(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw storeFailure(
        `cannot prepare ${description}`,
        s.mode === "DB_ONLY"
          ? "check that the server is running and that --db / QTS_DB_DSN is right"
          : "check that the servers are running and that --db / QTS_DB_DSN and the --sheets-* settings are right",
        err,
      );
    }
  }
  const dropSchema = async () => {
    if (schema && s.schema === undefined) await dropPgSchema(s.dbDsn, schema);
  };
  return { db, description, schema: schema ?? null, dropSchema };
}

async function dropPgSchema(dsn: string, schema: string): Promise<void> {
  if (!SCHEMA.test(schema)) return;
  const { Client } = await import("pg");
  const c = new Client({ connectionString: postgresDsnToUrl(dsn), connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface OpenedCache {
  readonly layer: EnvCacheLayer;
  readonly description: string;
  readonly namespace: string;
}

/**
 * The cache manager the settings describe (`cacheManagerFromEnv`: Redis when configured, breaker settings
 * applied); a Redis that does not answer within its connect timeout is an error.
 */
export async function openCache(
  s: StoreSettings,
  db: DataSourceAdapter,
  defaultNamespace: string,
  options: Omit<CacheManagerFromEnvOptions, "onWarning"> = {},
): Promise<OpenedCache> {
  const namespace = s.namespace ?? defaultNamespace;
  let layer: EnvCacheLayer;
  try {
    layer = cacheManagerFromEnv(
      db,
      { ...s.env, QTS_CACHE_NAMESPACE: namespace },
      { ...options, onWarning: s.warn },
    );
  } catch (err) {
    if (s.redisUrl && !(err instanceof Error && err.name === "ConfigError")) {
      throw new UsageError(
        `--redis / QTS_REDIS_URL is not a usable Redis URL: ${redactUrl(s.redisUrl)} (${(err as Error).message})`,
      );
    }
    throw err;
  }
  if (!layer.redis) return { layer, description: "memory (in-process)", namespace };
  const target = s.redisUrl ? redactUrl(s.redisUrl) : `${layer.config.host}:${layer.config.port}`;
  try {
    await (layer.client as RedisCacheClient).ready();
  } catch (err) {
    await layer.close().catch(() => undefined);
    throw storeFailure(
      `cannot connect to Redis at ${target}`,
      "check that redis-server is running and that --redis / QTS_REDIS_URL is right",
      err,
    );
  }
  return { layer, description: `redis ${target}`, namespace };
}
