/**
 * Every `QTS_*` variable the packages read, in one table: its default and what it changes. `unknownQtsVariables`
 * checks an environment against it, so a misspelt variable is reported (with a "did you mean") instead of being
 * silently ignored. The root README's configuration table is this table.
 */
export interface QtsVariable {
  readonly name: string;
  /** The value used when the variable is unset ("" = none). */
  readonly default: string;
  /** What it changes. */
  readonly effect: string;
}

const v = (name: string, def: string, effect: string): QtsVariable =>
  Object.freeze({ name, default: def, effect });

export const QTS_VARIABLES: readonly QtsVariable[] = Object.freeze([
  v(
    "QTS_DATA_MODE",
    "SHEETS_ONLY (qts: DB_ONLY with a DSN, else memory)",
    "store: SHEETS_ONLY, HYBRID or DB_ONLY",
  ),
  v("QTS_DATA_SOURCE_MODE", "", "alias of QTS_DATA_MODE"),
  v("QTS_DB_DSN", "", "PostgreSQL connection string (URL or libpq key=value)"),
  v("QTS_DB_SCHEMA", "public", "PostgreSQL schema of the tables"),
  v("QTS_DB_POOL_MIN", "5", "connections opened by migrate() and kept"),
  v("QTS_DB_POOL_MAX", "20", "pool size limit"),
  v(
    "QTS_DB_COMMAND_TIMEOUT_MS",
    "5000",
    "per-statement timeout (server statement_timeout and client timeout)",
  ),
  v("QTS_DB_STATEMENT_CACHE_SIZE", "100", "named prepared statements per adapter (0: none)"),
  v(
    "QTS_DB_PREPARED_STATEMENTS",
    "on",
    "named prepared statements on/off (off behind PgBouncer transaction pooling < 1.21)",
  ),
  v("QTS_DB_READ_DSN", "", "read replica DSNs, comma-separated: serve history reads (ledger, bars, ticks)"),
  v("QTS_DB_MAX_REPLICA_LAG_MS", "1000", "replay lag above which a replica is skipped for the primary"),
  v("QTS_SHEETS_SPREADSHEET_ID", "", "spreadsheet of SHEETS_ONLY / HYBRID"),
  v("QTS_SHEETS_KEY_FILE", "", "service-account key file (else Application Default Credentials)"),
  v("QTS_SHEETS_ROOT_URL", "https://sheets.googleapis.com/", "Sheets API root (a local emulator)"),
  v("QTS_SHEETS_ACCESS_TOKEN", "", "a fixed OAuth access token instead of a key file (emulators, tests)"),
  v("QTS_SHEETS_TAB_POSITIONS", "positions", "tab name of positions"),
  v("QTS_SHEETS_TAB_LEDGER", "ledger", "tab name of the ledger"),
  v("QTS_SHEETS_TAB_OHLCV", "ohlcv", "tab name of bars"),
  v("QTS_SHEETS_TAB_TICKS", "ticks", "tab name of ticks"),
  v(
    "QTS_SHEETS_WRITES_PER_MINUTE",
    "60",
    "write requests per minute the Sheets adapter paces itself to (Google's default quota)",
  ),
  v("QTS_REDIS_URL", "", "Redis URL (redis:// or rediss://); unset: the in-process cache"),
  v("QTS_REDIS_HOST", "127.0.0.1", "Redis host (overrides the URL's)"),
  v("QTS_REDIS_PORT", "6379", "Redis port"),
  v("QTS_REDIS_DB", "0", "Redis database number"),
  v("QTS_REDIS_USERNAME", "", "Redis ACL user"),
  v("QTS_REDIS_PASSWORD", "", "Redis password"),
  v("QTS_REDIS_TLS", "false", "TLS to Redis"),
  v(
    "QTS_REDIS_MAX_CONNECTIONS",
    "50",
    "operations in flight per client (ioredis multiplexes one connection); more wait for a slot within their deadline",
  ),
  v("QTS_REDIS_SOCKET_TIMEOUT_MS", "100", "deadline of one cache operation"),
  v("QTS_REDIS_CONNECT_TIMEOUT_MS", "500", "connect timeout"),
  v("QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD", "5", "consecutive cache failures that open the circuit"),
  v("QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS", "60000", "time the circuit stays open before a probe"),
  v("QTS_CACHE_NAMESPACE", "qts:", "key namespace of the cache manager"),
  v("QTS_TEST_PG_URL", "", "tests: PostgreSQL to use instead of a private one"),
  v("QTS_TEST_REDIS_URL", "", "tests: Redis to use instead of a private one"),
  v("QTS_TEST_REDIS_CLUSTER", "", "tests: Redis Cluster nodes to use instead of private ones"),
  v("QTS_TEST_KEEP", "", "tests: keep private servers' directories for debugging"),
  v("QTS_TEST_ALLOW_SKIP", "", "tests: 1 lets suites skip when a service cannot be started (never in CI)"),
]);

const KNOWN = new Map(QTS_VARIABLES.map((x) => [x.name, x]));

/** Adds a variable to the table (a package of another layer declaring its own); idempotent by name. */
export function declareQtsVariable(variable: QtsVariable): void {
  if (!KNOWN.has(variable.name)) KNOWN.set(variable.name, Object.freeze({ ...variable }));
}

/** Every known variable (the built-in table plus declared ones), by name. */
export function knownQtsVariables(): readonly QtsVariable[] {
  return [...KNOWN.values()];
}

/** Levenshtein distance (two rows), for suggestions between short names. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

export interface UnknownQtsVariable {
  readonly variable: string;
  /** The closest known name, when one is close enough to be a typo. */
  readonly suggestion: string | null;
  /** One line: `unknown variable QTS_REDIS_UR (did you mean QTS_REDIS_URL?)`. */
  readonly message: string;
}

/** The `QTS_*` variables of `env` that no package reads, each with the closest known name. */
export function unknownQtsVariables(
  env: Readonly<Record<string, string | undefined>> = process.env,
): UnknownQtsVariable[] {
  const out: UnknownQtsVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("QTS_") || KNOWN.has(name)) continue;
    let best: string | null = null;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const known of KNOWN.keys()) {
      const d = distance(name, known);
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    }
    const suggestion =
      best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : null;
    out.push(
      Object.freeze({
        variable: name,
        suggestion,
        message: `unknown variable ${name}${suggestion ? ` (did you mean ${suggestion}?)` : ""}: no QTS package reads it`,
      }),
    );
  }
  return out;
}

const emitWarning = (message: string): void => process.emitWarning(message, { code: "QTS_UNKNOWN_VARIABLE" });
const reported = new WeakMap<(message: string) => void, Set<string>>();

/**
 * Reports each unknown `QTS_*` variable of `env` to `onWarning` (default `process.emitWarning` with code
 * `QTS_UNKNOWN_VARIABLE`), once per name and receiver however many builders read the environment.
 */
export function warnUnknownQtsVariables(
  env: Readonly<Record<string, string | undefined>> = process.env,
  onWarning: (message: string) => void = emitWarning,
): void {
  let seen = reported.get(onWarning);
  if (seen === undefined) reported.set(onWarning, (seen = new Set()));
  for (const u of unknownQtsVariables(env)) {
    if (seen.has(u.variable)) continue;
    seen.add(u.variable);
    onWarning(u.message);
  }
}
