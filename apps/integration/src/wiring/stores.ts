import { createRequire } from "node:module";
import { InMemoryCacheClient, RedisCacheClient } from "@qts/cache";
import {
  type CacheClient,
  type DataSourceAdapter,
  DataSourceMode,
  dataLayerConfig,
  type EventSink,
  isDataSourceMode,
  postgresDsnToUrl,
  redactDsn,
  redactUrl,
} from "@qts/contracts";
import {
  type CreateDataSourceDeps,
  createDataSource,
  InMemoryAdapter,
  migrateDataSource,
  type SheetsAuth,
} from "@qts/db-adapters";
import { str, type Values } from "../cli/args.js";
import { CliError, UsageError } from "../cli/errors.js";

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
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export function storeSettings(
  v: Values,
  env: Readonly<Record<string, string | undefined>>,
  verb: string,
): StoreSettings {
  const dbDsn = (str(v, "db") ?? env.QTS_DB_DSN ?? "").trim();
  const redisUrl = (str(v, "redis") ?? env.QTS_REDIS_URL ?? "").trim();
  const sheets = {
    spreadsheetId: (str(v, "sheets-id") ?? env.QTS_SHEETS_SPREADSHEET_ID ?? "").trim(),
    rootUrl: (str(v, "sheets-root-url") ?? env.QTS_SHEETS_ROOT_URL ?? "").trim(),
    keyFile: (str(v, "sheets-key-file") ?? env.QTS_SHEETS_KEY_FILE ?? "").trim(),
    token: (str(v, "sheets-token") ?? env.QTS_SHEETS_ACCESS_TOKEN ?? "").trim(),
  };
  const rawMode = (str(v, "mode") ?? env.QTS_DATA_MODE ?? "").trim().toUpperCase();
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
  const schema = str(v, "schema");
  if (schema !== undefined && !SCHEMA.test(schema)) {
    throw new UsageError(
      `--schema must be a lower-case SQL identifier (got ${JSON.stringify(schema)})`,
      verb,
    );
  }
  return { mode, dbDsn, redisUrl, schema, namespace: str(v, "namespace"), sheets };
}

/**
 * An OAuth2 client that sends a fixed bearer token (a local emulator, or a token obtained elsewhere).
 * google-auth-library is a dependency of @qts/db-adapters, so it is loaded from there.
 */
export function fixedTokenAuth(token: string): SheetsAuth {
  const require = createRequire(import.meta.resolve("@qts/db-adapters/package.json"));
  const { OAuth2Client } = require("google-auth-library") as {
    OAuth2Client: new () => SheetsAuth & { setCredentials(c: { access_token: string }): void };
  };
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token });
  return auth;
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
  return new CliError(what, err instanceof Error ? err.message : String(err), todo, { cause: err });
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
  const deps: CreateDataSourceDeps = {
    ...(schema ? { timescale: { schema } } : {}),
    ...(s.sheets.token ? { sheetsAuth: fixedTokenAuth(s.sheets.token) } : {}),
    ...(eventSink ? { hybrid: { eventSink } } : {}),
  };
  const db = createDataSource(
    dataLayerConfig({
      mode: s.mode,
      dbDsn: s.dbDsn || undefined,
      sheets: {
        spreadsheetId: s.sheets.spreadsheetId || undefined,
        rootUrl: s.sheets.rootUrl || undefined,
        keyFile: s.sheets.keyFile || undefined,
      },
    }),
    deps,
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
  readonly client: CacheClient;
  readonly description: string;
  readonly namespace: string;
}

/** The cache the settings describe; a Redis that does not answer within its connect timeout is an error. */
export async function openCache(url: string, namespace: string): Promise<OpenedCache> {
  if (!url)
    return { client: new InMemoryCacheClient({ namespace }), description: "memory (in-process)", namespace };
  let client: RedisCacheClient;
  try {
    client = new RedisCacheClient({ url, namespace });
  } catch (err) {
    throw new UsageError(
      `--redis / QTS_REDIS_URL is not a usable Redis URL: ${redactUrl(url)} (${(err as Error).message})`,
    );
  }
  try {
    await client.ready();
  } catch (err) {
    await client.close().catch(() => undefined);
    throw storeFailure(
      `cannot connect to Redis at ${redactUrl(url)}`,
      "check that redis-server is running and that --redis / QTS_REDIS_URL is right",
      err,
    );
  }
  return { client, description: `redis ${redactUrl(url)}`, namespace };
}
