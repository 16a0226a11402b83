import {
  type DataSourceAdapter,
  dataLayerConfigFromEnv,
  IssueCollector,
  warnUnknownQtsVariables,
} from "@qts/contracts";
import { OAuth2Client } from "google-auth-library";
import { type CreateDataSourceDeps, createDataSource } from "./factory.js";
import type { SheetsAuth } from "./sheets/client.js";
import { parseOnOff, type TimescaleAdapterOptions } from "./timescale/options.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface DataSourceFromEnvOptions extends CreateDataSourceDeps {
  /** Where warnings go (unknown `QTS_*` variables); default `process.emitWarning`. */
  onWarning?: ((message: string) => void) | undefined;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `QTS_DB_READ_DSN` (comma-separated; a DSN here cannot contain a comma), `QTS_DB_MAX_REPLICA_LAG_MS`,
 * `QTS_DB_PREPARED_STATEMENTS` as TimescaleAdapter options (the adapter checks each DSN itself).
 */
function replicaOptionsFromEnv(
  env: Env,
  issues: IssueCollector,
): Pick<TimescaleAdapterOptions, "readDsn" | "maxReplicaLagMs" | "preparedStatements"> {
  const out: Pick<TimescaleAdapterOptions, "readDsn" | "maxReplicaLagMs" | "preparedStatements"> = {};
  const reads = (env.QTS_DB_READ_DSN ?? "")
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "");
  if (reads.length > 0) out.readDsn = reads;
  const lag = env.QTS_DB_MAX_REPLICA_LAG_MS?.trim();
  if (lag) {
    const n = Number(lag);
    if (/^\d+$/.test(lag) && Number.isSafeInteger(n)) out.maxReplicaLagMs = n;
    else issues.add("QTS_DB_MAX_REPLICA_LAG_MS", lag, "must be a non-negative integer (ms)");
  }
  const prepared = env.QTS_DB_PREPARED_STATEMENTS?.trim().toLowerCase();
  if (prepared) {
    const on = parseOnOff(prepared);
    if (on === undefined) issues.add("QTS_DB_PREPARED_STATEMENTS", prepared, "must be on or off");
    else out.preparedStatements = on;
  }
  return out;
}

/** An OAuth2 client that sends a fixed bearer token (a local emulator, or a token obtained elsewhere). */
export function fixedTokenAuth(token: string): SheetsAuth {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token });
  return auth as SheetsAuth;
}

/**
 * Builds the data source that the `QTS_*` variables describe (see `QTS_VARIABLES` in `@qts/contracts` and the
 * root README): `QTS_DATA_MODE`, `QTS_DB_DSN`, `QTS_DB_SCHEMA`, the `QTS_DB_POOL_*` / timeout / statement cache
 * settings, `QTS_SHEETS_*` (a `QTS_SHEETS_ACCESS_TOKEN` authenticates with a fixed token). Every bad value is
 * reported at once in one `ConfigError`; unknown `QTS_*` variables are warnings. `deps` wins over the
 * environment. The adapter is not migrated: call `migrateDataSource(adapter)` (or `qts migrate`).
 */
export function dataSourceFromEnv(
  env: Env = process.env,
  deps: DataSourceFromEnvOptions = {},
): DataSourceAdapter {
  const { onWarning, ...rest } = deps;
  warnUnknownQtsVariables(env, onWarning);
  const issues = new IssueCollector();
  const config = issues.check(() => dataLayerConfigFromEnv(env), null);
  const schema = env.QTS_DB_SCHEMA?.trim() || undefined;
  if (schema !== undefined && !SCHEMA.test(schema))
    issues.add("QTS_DB_SCHEMA", schema, "must be a lower-case SQL identifier");
  const replicas = replicaOptionsFromEnv(env, issues);
  const perMinute = env.QTS_SHEETS_WRITES_PER_MINUTE?.trim();
  if (perMinute && !(/^\d+$/.test(perMinute) && Number(perMinute) >= 1))
    issues.add("QTS_SHEETS_WRITES_PER_MINUTE", perMinute, "must be an integer >= 1");
  // A config that failed left its issues: past this line it is there.
  issues.throwIfAny();
  const token = env.QTS_SHEETS_ACCESS_TOKEN?.trim();
  return createDataSource(config!, {
    ...(token ? { sheetsAuth: fixedTokenAuth(token) } : {}),
    ...rest,
    timescale: { ...(schema ? { schema } : {}), ...replicas, ...rest.timescale },
    sheets: { ...(perMinute ? { writeRequestsPerMinute: Number(perMinute) } : {}), ...rest.sheets },
  });
}
