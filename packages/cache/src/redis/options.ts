import type { ConnectionOptions } from "node:tls";
import {
  backoffDelayMs,
  type CacheConfig,
  cacheConfig,
  cacheConfigFromUrl,
  type Loose,
  opt,
  ValidationError,
} from "@qts/contracts";
import { stripUndefined } from "@qts/contracts/internal";
import type { ClusterOptions, RedisOptions } from "ioredis";
import { SCRIPT_COMMANDS } from "./scripts.js";

/** A Redis server address (cluster startup node or Sentinel). */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Options every mode shares. `CacheConfig` fields (timeouts, password, db, tls ...) override the URL. */
export interface RedisCacheClientBaseOptions extends Loose<CacheConfig> {
  /** Prepended to every key (default `"qts:"`), so Redis holds `qts:pos:AAPL`. */
  namespace?: string | undefined;
  /** Extra TLS options (CA, servername, client certificate); giving them turns TLS on. */
  tlsOptions?: ConnectionOptions | undefined;
  /**
   * ioredis auto-pipelining: commands issued in the same event-loop tick share one write. Default `true`;
   * the set script is always sent directly (measured: reads gain, the script loses; see the README).
   */
  enableAutoPipelining?: boolean | undefined;
  /** How `set` replaces a hash atomically: one Lua script call (default) or MULTI/EXEC. */
  setStrategy?: "script" | "multi" | undefined;
  /** Longest wait between reconnect attempts (default 1000 ms; backoff 50, 100, 200 ... ms up to this). */
  reconnectMaxDelayMs?: number | undefined;
}

/** A single Redis: `url` (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS) and/or the fields. */
export interface RedisSingleOptions extends RedisCacheClientBaseOptions {
  url?: string | undefined;
}

/** A Redis Cluster: startup nodes (any subset of the cluster); `db` must be 0. */
export interface RedisClusterModeOptions extends RedisCacheClientBaseOptions {
  cluster: readonly RedisNodeAddress[];
}

/** Redis behind Sentinel: the Sentinels and the monitored master's `name`. */
export interface RedisSentinelModeOptions extends RedisCacheClientBaseOptions {
  sentinels: readonly RedisNodeAddress[];
  /** The master group name the Sentinels monitor (`sentinel monitor <name> ...`). */
  name: string;
  sentinelUsername?: string | undefined;
  sentinelPassword?: string | undefined;
  /** Also use TLS towards the Sentinels (default: same as `tls`). */
  sentinelTls?: boolean | undefined;
}

export type RedisCacheClientOptions = RedisSingleOptions | RedisClusterModeOptions | RedisSentinelModeOptions;

export type RedisMode = "single" | "cluster" | "sentinel";

/** What the client runs with, after defaults and validation. */
export interface ResolvedRedisOptions {
  readonly mode: RedisMode;
  readonly config: CacheConfig;
  readonly namespace: string;
  readonly enableAutoPipelining: boolean;
  readonly setStrategy: "script" | "multi";
  readonly reconnectMaxDelayMs: number;
  readonly tls: ConnectionOptions | undefined;
  readonly nodes: readonly RedisNodeAddress[];
  readonly sentinel: { name: string; username?: string; password?: string; tls: boolean } | null;
}

const CONFIG_FIELDS = [
  "host",
  "port",
  "db",
  "username",
  "password",
  "tls",
  "maxConnections",
  "socketTimeoutMs",
  "socketConnectTimeoutMs",
  "circuitBreakerThreshold",
  "circuitBreakerRecoveryMs",
] as const satisfies readonly (keyof CacheConfig)[];

function checkNodes(nodes: unknown, field: string): RedisNodeAddress[] {
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new ValidationError(field, nodes, "must be a non-empty array of { host, port }");
  }
  return nodes.map((n: unknown, i) => {
    const node = n as Partial<RedisNodeAddress> | null;
    if (
      node === null ||
      typeof node !== "object" ||
      typeof node.host !== "string" ||
      node.host === "" ||
      !Number.isInteger(node.port) ||
      (node.port as number) < 1 ||
      (node.port as number) > 65_535
    ) {
      throw new ValidationError(`${field}[${i}]`, n, "must be { host: string, port: 1..65535 }");
    }
    return { host: node.host, port: node.port as number };
  });
}

/** Validates the options and resolves the `CacheConfig` (throws `ValidationError` / `ConfigError`). */
export function resolveRedisOptions(options: RedisCacheClientOptions): ResolvedRedisOptions {
  if (typeof options !== "object" || options === null) {
    throw new ValidationError("options", options, "must be an object");
  }
  const fields: Loose<CacheConfig> = {};
  for (const f of CONFIG_FIELDS) (fields as Record<string, unknown>)[f] = options[f];
  const url = "url" in options ? options.url : undefined;
  const config = url !== undefined && url !== "" ? cacheConfigFromUrl(url, fields) : cacheConfig(fields);

  const namespace = opt.str(options.namespace, "namespace", "qts:", true);
  const reconnectMaxDelayMs = opt.ms(options.reconnectMaxDelayMs, "reconnectMaxDelayMs", 1000, 1);
  const setStrategy = opt.oneOf(options.setStrategy, "setStrategy", "script", ["script", "multi"] as const);
  const enableAutoPipelining = opt.bool(options.enableAutoPipelining, "enableAutoPipelining", true);
  const tls = config.tls || options.tlsOptions !== undefined ? { ...options.tlsOptions } : undefined;

  let mode: RedisMode = "single";
  let nodes: RedisNodeAddress[] = [{ host: config.host, port: config.port }];
  let sentinel: ResolvedRedisOptions["sentinel"] = null;
  if ("cluster" in options && options.cluster !== undefined) {
    mode = "cluster";
    nodes = checkNodes(options.cluster, "cluster");
    if (config.db !== 0) throw new ValidationError("db", config.db, "must be 0 with Redis Cluster");
  } else if ("sentinels" in options && options.sentinels !== undefined) {
    mode = "sentinel";
    nodes = checkNodes(options.sentinels, "sentinels");
    if (typeof options.name !== "string" || options.name === "") {
      throw new ValidationError("name", options.name, "must be the Sentinel master group name");
    }
    sentinel = {
      name: options.name,
      tls: options.sentinelTls ?? tls !== undefined,
      ...stripUndefined({ username: options.sentinelUsername, password: options.sentinelPassword }),
    };
  }
  return {
    mode,
    config,
    namespace,
    enableAutoPipelining,
    setStrategy,
    reconnectMaxDelayMs,
    tls,
    nodes,
    sentinel,
  };
}

/**
 * Reconnect waits for ioredis (which never gives up): the one backoff of `@qts/contracts` with full jitter,
 * so clients that lost one server do not reconnect in lockstep; caps 50, 100, 200 ... ms, at most `max`.
 */
export function backoff(max: number): (times: number) => number {
  return (times) => Math.max(1, backoffDelayMs(times - 1, { baseDelayMs: 50, maxDelayMs: max }));
}

/** Connection options shared by a single/Sentinel connection and by every cluster node connection. */
function connectionOptions(r: ResolvedRedisOptions): RedisOptions {
  const c = r.config;
  const out: RedisOptions = {
    connectTimeout: c.socketConnectTimeoutMs,
    // No ioredis `commandTimeout`: it arms one timer per command (1000 per 1000-key getMany). The client
    // bounds each operation itself with one deadline on a shared timer (`DeadlineQueue`).
    // Fail fast: no offline queue, and commands in flight when the connection drops are rejected, not resent.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: r.enableAutoPipelining,
    // Measured: auto-pipelining speeds up reads but slows down the set script (see the README).
    autoPipeliningIgnoredCommands: [...SCRIPT_COMMANDS],
    connectionName: "qts-cache",
  };
  if (c.username !== "") out.username = c.username;
  if (c.password !== "") out.password = c.password;
  if (r.tls !== undefined) out.tls = r.tls;
  return out;
}

/** ioredis options for a single server or a Sentinel-managed master. */
export function redisOptions(r: ResolvedRedisOptions): RedisOptions {
  const out: RedisOptions = {
    ...connectionOptions(r),
    db: r.config.db,
    retryStrategy: backoff(r.reconnectMaxDelayMs),
  };
  if (r.mode === "single") {
    out.host = r.config.host;
    out.port = r.config.port;
  } else if (r.sentinel !== null) {
    out.sentinels = r.nodes.map((n) => ({ host: n.host, port: n.port }));
    out.name = r.sentinel.name;
    out.role = "master";
    out.sentinelRetryStrategy = backoff(r.reconnectMaxDelayMs);
    if (r.sentinel.username !== undefined) out.sentinelUsername = r.sentinel.username;
    if (r.sentinel.password !== undefined) out.sentinelPassword = r.sentinel.password;
    if (r.sentinel.tls) {
      out.enableTLSForSentinelMode = true;
      if (r.tls !== undefined) out.sentinelTLS = r.tls;
    }
  }
  return out;
}

/** ioredis `Cluster` options: masters only, no offline queue, capped reconnect backoff. */
export function clusterOptions(r: ResolvedRedisOptions): ClusterOptions {
  return {
    scaleReads: "master",
    enableOfflineQueue: false,
    enableAutoPipelining: r.enableAutoPipelining,
    autoPipeliningIgnoredCommands: [...SCRIPT_COMMANDS],
    clusterRetryStrategy: backoff(r.reconnectMaxDelayMs),
    slotsRefreshTimeout: Math.max(r.config.socketConnectTimeoutMs, 1000),
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    redisOptions: connectionOptions(r),
  };
}
