import { urlUserInfoProblem } from "./dsn.js";
import { ConfigError, type ConfigIssue } from "./errors.js";
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

type IntRule = { min: number; max: number };
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

function checkCacheConfig(c: CacheConfig, issues: ConfigIssue[], origins: Record<string, Origin> = {}): void {
  const report = (field: string, value: string, reason: string) => {
    const origin = origins[field];
    if (origin === undefined) issues.push({ variable: field, value, reason });
    else if (origin.value === "") issues.push({ variable: origin.variable, value, reason });
    else issues.push({ variable: origin.variable, value: origin.value, reason: `${field} ${reason}` });
  };
  for (const [field, rule] of Object.entries(INT_FIELDS)) {
    const v = (c as unknown as Record<string, unknown>)[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v < rule.min || v > rule.max) {
      report(field, String(v), `must be an integer between ${rule.min} and ${rule.max}`);
    }
  }
  if (typeof c.host !== "string" || c.host.trim() === "") {
    report("host", String(c.host), "must be a non-empty host name");
  }
  if (typeof c.username !== "string") report("username", String(c.username), "must be a string");
  if (typeof c.password !== "string") report("password", "[redacted]", "must be a string");
  if (typeof c.tls !== "boolean") report("tls", String(c.tls), "must be true or false");
}

/** Builds a validated cache config from defaults and the given fields; throws `ConfigError` listing every problem. */
export function cacheConfig(partial: Loose<CacheConfig> = {}): CacheConfig {
  const merged: CacheConfig = { ...DEFAULT_CACHE_CONFIG, ...stripUndefined(partial) };
  const issues: ConfigIssue[] = [];
  checkCacheConfig(merged, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return freezeRedacted(merged, redactCacheConfig);
}

function parseRedisUrl(url: string, variable: string, issues: ConfigIssue[]): Partial<CacheConfig> {
  const text = String(url);
  const shown = redactUrl(text);
  const ambiguous = /^rediss?:\/\//i.test(text) ? urlUserInfoProblem(text) : null;
  if (ambiguous !== null) {
    issues.push({ variable, value: shown, reason: ambiguous });
    return {};
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    issues.push({ variable, value: shown, reason: "must be a redis:// or rediss:// URL" });
    return {};
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    issues.push({ variable, value: shown, reason: "must be a redis:// or rediss:// URL" });
    return {};
  }
  const out: { -readonly [K in keyof CacheConfig]?: CacheConfig[K] } = { tls: u.protocol === "rediss:" };
  if (u.hostname) out.host = u.hostname.replace(/^\[|\]$/g, "");
  if (u.port) out.port = Number(u.port);
  try {
    if (u.username) out.username = decodeURIComponent(u.username);
    if (u.password) out.password = decodeURIComponent(u.password);
  } catch {
    issues.push({ variable, value: shown, reason: "user name or password is not valid percent-encoding" });
  }
  const dbPath = u.pathname.replace(/^\//, "");
  if (dbPath !== "") {
    if (!/^\d+$/.test(dbPath)) issues.push({ variable, value: shown, reason: "database must be a number" });
    else out.db = Number(dbPath);
  }
  return out;
}

/** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) plus optional overrides. */
export function cacheConfigFromUrl(url: string, overrides: Loose<CacheConfig> = {}): CacheConfig {
  const issues: ConfigIssue[] = [];
  const fromUrl = parseRedisUrl(url, "url", issues);
  if (issues.length > 0) throw new ConfigError(issues);
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
  const issues: ConfigIssue[] = [];
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
    else
      issues.push({ variable: "QTS_REDIS_TLS", value: env.QTS_REDIS_TLS, reason: "must be true or false" });
  }
  for (const [variable, field] of Object.entries(ENV_INT)) {
    const raw = env[variable];
    if (raw === undefined || raw === "") continue;
    if (!/^\s*-?\d+\s*$/.test(raw)) {
      issues.push({ variable, value: raw, reason: "must be an integer" });
      continue;
    }
    (out as Record<string, unknown>)[field] = Number(raw);
    origins[field] = { variable, value: "" };
  }
  const merged: CacheConfig = { ...DEFAULT_CACHE_CONFIG, ...out };
  checkCacheConfig(merged, issues, origins);
  const unique = issues.filter(
    (i, n) => issues.findIndex((j) => j.variable === i.variable && j.reason === i.reason) === n,
  );
  if (unique.length > 0) throw new ConfigError(unique);
  return freezeRedacted(merged, redactCacheConfig);
}

/** Every field optional, and `undefined` means "use the default". */
export type Loose<T> = { [K in keyof T]?: T[K] | undefined };

export function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
