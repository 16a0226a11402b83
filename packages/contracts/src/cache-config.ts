import { envInteger, type IntRule, intRangeReason } from "./config-rules.js";
import { urlUserInfoProblem } from "./dsn.js";
import { IssueCollector, opt } from "./options.js";
import { freezeRedacted, redactUrl } from "./redact.js";

/** How to reach Redis and how the cache layer protects itself. */
export interface CacheConfig {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username: string;
  readonly password: string;
  readonly tls: boolean;
  readonly maxConnections: number;
  readonly socketTimeoutMs: number;
  readonly socketConnectTimeoutMs: number;
  readonly circuitBreakerThreshold: number;
  readonly circuitBreakerRecoveryMs: number;
}

export const DEFAULT_CACHE_CONFIG: CacheConfig = freezeRedacted(
  {
    host: "localhost",
    port: 6379,
    db: 0,
    username: "",
    password: "",
    tls: false,
    maxConnections: 50,
    socketTimeoutMs: 100,
    socketConnectTimeoutMs: 500,
    circuitBreakerThreshold: 5,
    circuitBreakerRecoveryMs: 60_000,
  },
  redactCacheConfig,
);

function redactCacheConfig(c: CacheConfig): Record<string, unknown> {
  return { ...c, password: c.password ? "***" : "" };
}

const INT_FIELDS: Record<string, IntRule> = {
  port: { min: 1, max: 65_535 },
  db: { min: 0, max: 10_000 },
  maxConnections: { min: 1, max: 100_000 },
  socketTimeoutMs: { min: 1, max: 3_600_000 },
  socketConnectTimeoutMs: { min: 1, max: 3_600_000 },
  circuitBreakerThreshold: { min: 1, max: 1_000_000 },
  circuitBreakerRecoveryMs: { min: 0, max: 86_400_000 },
};

/** Where a field's value came from, so an issue names the variable the user must fix. */
type Origin = { variable: string; value: string };

/**
 * Checks every field with the shared `opt` validators and records what fails, under the variable the value came
 * from: a field from `QTS_REDIS_URL` names the URL (redacted) and says which field in the reason.
 */
function checkCacheConfig(
  c: CacheConfig,
  issues: IssueCollector,
  origins: Record<string, Origin> = {},
): void {
  const fields = new IssueCollector();
  const given = c as unknown as Record<string, unknown>;
  const defaults = DEFAULT_CACHE_CONFIG as unknown as Record<string, number>;
  for (const [field, rule] of Object.entries(INT_FIELDS)) {
    const def = defaults[field] as number;
    fields.check(() => opt.int(given[field], field, def, rule.min, rule.max), def, {
      reason: intRangeReason(rule),
    });
  }
  if (typeof c.host !== "string" || c.host.trim() === "")
    fields.add("host", c.host, "must be a non-empty host name");
  fields.opt.str(c.username, "username", "", true);
  fields.check(() => opt.str(c.password, "password", "", true), "", { value: "[redacted]" });
  fields.opt.bool(c.tls, "tls", false);
  for (const { variable: field, value, reason } of fields.issues) {
    const origin = origins[field];
    if (origin === undefined) issues.add(field, value, reason);
    else if (origin.value === "") issues.add(origin.variable, value, reason);
    else issues.add(origin.variable, origin.value, `${field} ${reason}`);
  }
}

/** Builds a validated cache config from defaults and the given fields; throws `ConfigError` listing every problem. */
export function cacheConfig(partial: Loose<CacheConfig> = {}): CacheConfig {
  const merged: CacheConfig = { ...DEFAULT_CACHE_CONFIG, ...stripUndefined(partial) };
  const issues = new IssueCollector();
  checkCacheConfig(merged, issues);
  issues.throwIfAny();
  return freezeRedacted(merged, redactCacheConfig);
}

function parseRedisUrl(url: string, variable: string, issues: IssueCollector): Partial<CacheConfig> {
  const text = String(url);
  const shown = redactUrl(text);
  const ambiguous = /^rediss?:\/\//i.test(text) ? urlUserInfoProblem(text) : null;
  if (ambiguous !== null) {
    issues.add(variable, shown, ambiguous);
    return {};
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    issues.add(variable, shown, "must be a redis:// or rediss:// URL");
    return {};
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    issues.add(variable, shown, "must be a redis:// or rediss:// URL");
    return {};
  }
  const out: { -readonly [K in keyof CacheConfig]?: CacheConfig[K] } = { tls: u.protocol === "rediss:" };
  if (u.hostname) out.host = u.hostname.replace(/^\[|\]$/g, "");
  if (u.port) out.port = Number(u.port);
  try {
    if (u.username) out.username = decodeURIComponent(u.username);
    if (u.password) out.password = decodeURIComponent(u.password);
  } catch {
    issues.add(variable, shown, "user name or password is not valid percent-encoding");
  }
  const dbPath = u.pathname.replace(/^\//, "");
  if (dbPath !== "") {
    if (!/^\d+$/.test(dbPath)) issues.add(variable, shown, "database must be a number");
    else out.db = Number(dbPath);
  }
  return out;
}

/** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) plus optional overrides. */
export function cacheConfigFromUrl(url: string, overrides: Loose<CacheConfig> = {}): CacheConfig {
  const issues = new IssueCollector();
  const fromUrl = parseRedisUrl(url, "url", issues);
  issues.throwIfAny();
  return cacheConfig({ ...fromUrl, ...stripUndefined(overrides) });
}

const ENV_INT: Record<string, keyof CacheConfig> = {
  QTS_REDIS_PORT: "port",
  QTS_REDIS_DB: "db",
  QTS_REDIS_MAX_CONNECTIONS: "maxConnections",
  QTS_REDIS_SOCKET_TIMEOUT_MS: "socketTimeoutMs",
  QTS_REDIS_CONNECT_TIMEOUT_MS: "socketConnectTimeoutMs",
  QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD: "circuitBreakerThreshold",
  QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS: "circuitBreakerRecoveryMs",
};

/**
 * Reads `QTS_REDIS_URL` and then the single variables (`QTS_REDIS_HOST`, `QTS_REDIS_PORT`, `QTS_REDIS_DB`,
 * `QTS_REDIS_USERNAME`, `QTS_REDIS_PASSWORD`, `QTS_REDIS_TLS`, `QTS_REDIS_MAX_CONNECTIONS`,
 * `QTS_REDIS_SOCKET_TIMEOUT_MS`, `QTS_REDIS_CONNECT_TIMEOUT_MS`, `QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD`,
 * `QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS`), which override the URL. Every bad value is reported at once.
 */
export function cacheConfigFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CacheConfig {
  const issues = new IssueCollector();
  const out: { -readonly [K in keyof CacheConfig]?: CacheConfig[K] } = {};
  const origins: Record<string, Origin> = {};
  const url = env.QTS_REDIS_URL;
  if (url) {
    const fromUrl = parseRedisUrl(url, "QTS_REDIS_URL", issues);
    Object.assign(out, fromUrl);
    for (const field of Object.keys(fromUrl))
      origins[field] = { variable: "QTS_REDIS_URL", value: redactUrl(url) };
  }
  if (env.QTS_REDIS_HOST?.trim()) {
    out.host = env.QTS_REDIS_HOST.trim();
    origins.host = { variable: "QTS_REDIS_HOST", value: "" };
  }
  if (env.QTS_REDIS_USERNAME) out.username = env.QTS_REDIS_USERNAME;
  if (env.QTS_REDIS_PASSWORD) out.password = env.QTS_REDIS_PASSWORD;
  if (env.QTS_REDIS_TLS) {
    const v = env.QTS_REDIS_TLS.toLowerCase();
    if (["1", "true", "yes"].includes(v)) out.tls = true;
    else if (["0", "false", "no"].includes(v)) out.tls = false;
    else issues.add("QTS_REDIS_TLS", env.QTS_REDIS_TLS, "must be true or false");
  }
  for (const [variable, field] of Object.entries(ENV_INT)) {
    const n = envInteger(env, variable, issues);
    if (n === undefined) continue;
    (out as Record<string, unknown>)[field] = n;
    origins[field] = { variable, value: "" };
  }
  const merged: CacheConfig = { ...DEFAULT_CACHE_CONFIG, ...out };
  checkCacheConfig(merged, issues, origins);
  issues.throwIfAny();
  return freezeRedacted(merged, redactCacheConfig);
}

/** Every field optional, and `undefined` means "use the default". */
export type Loose<T> = { [K in keyof T]?: T[K] | undefined };

export function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
