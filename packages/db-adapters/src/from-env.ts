import {
  ConfigError,
  type ConfigIssue,
  type DataSourceAdapter,
  dataLayerConfigFromEnv,
  warnUnknownQtsVariables,
} from "@qts/contracts";
import { OAuth2Client } from "google-auth-library";
import { type CreateDataSourceDeps, createDataSource } from "./factory.js";
import type { SheetsAuth } from "./sheets/client.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface DataSourceFromEnvOptions extends CreateDataSourceDeps {
  /** Where warnings go (unknown `QTS_*` variables); default `process.emitWarning`. */
  onWarning?: ((message: string) => void) | undefined;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

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
  const issues: ConfigIssue[] = [];
  let config: ReturnType<typeof dataLayerConfigFromEnv> | null = null;
  try {
    config = dataLayerConfigFromEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  const schema = env.QTS_DB_SCHEMA?.trim() || undefined;
  if (schema !== undefined && !SCHEMA.test(schema)) {
    issues.push({ variable: "QTS_DB_SCHEMA", value: schema, reason: "must be a lower-case SQL identifier" });
  }
  if (issues.length > 0 || config === null) throw new ConfigError(issues);
  const token = env.QTS_SHEETS_ACCESS_TOKEN?.trim();
  return createDataSource(config, {
    ...(token ? { sheetsAuth: fixedTokenAuth(token) } : {}),
    ...rest,
    timescale: { ...(schema ? { schema } : {}), ...rest.timescale },
  });
}
