import { CircuitBreaker, InMemoryCacheClient, RedisCacheClient } from "@qts/cache";
import {
  type CacheClient,
  type CacheConfig,
  cacheConfigFromEnv,
  type DataSourceAdapter,
  IssueCollector,
  warnUnknownQtsVariables,
} from "@qts/contracts";
import { CacheManager } from "./cache-manager.js";
import type { CacheManagerOptions } from "./options.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface CacheManagerFromEnvOptions extends Omit<CacheManagerOptions, "breaker"> {
  /** Where warnings go (unknown `QTS_*` variables); default `process.emitWarning`. */
  onWarning?: ((message: string) => void) | undefined;
  /** Wraps the client before the manager gets it (e.g. `metrics.instrumentCacheClient`). */
  decorateClient?: ((client: CacheClient) => CacheClient) | undefined;
}

/** A manager built from the environment, with the client it owns. */
export interface EnvCacheLayer {
  readonly manager: CacheManager;
  readonly client: CacheClient;
  /** The resolved cache config (password redacted in `toString`/JSON). */
  readonly config: CacheConfig;
  /** True when `QTS_REDIS_URL`/`QTS_REDIS_HOST` selected Redis; false: the in-process cache. */
  readonly redis: boolean;
  /** Closes the manager, then its client. */
  close(): Promise<void>;
}

/**
 * Builds a `CacheManager` over `db` from `QTS_*` variables: Redis when `QTS_REDIS_URL` or `QTS_REDIS_HOST` is
 * set (with every `QTS_REDIS_*` setting applied: timeouts, connections, TLS, credentials), the in-process cache
 * otherwise; a `CircuitBreaker` from `QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD` / `..._RECOVERY_MS`; the per-call
 * deadline from `QTS_REDIS_SOCKET_TIMEOUT_MS`; the key namespace from `QTS_CACHE_NAMESPACE` (default "qts:").
 * Every bad value is reported at once in one `ConfigError`; unknown `QTS_*` variables are warnings. `options`
 * win over the environment.
 */
export function cacheManagerFromEnv(
  db: DataSourceAdapter,
  env: Env = process.env,
  options: CacheManagerFromEnvOptions = {},
): EnvCacheLayer {
  const { onWarning, decorateClient, ...managerOptions } = options;
  warnUnknownQtsVariables(env, onWarning);
  const issues = new IssueCollector();
  const resolved = issues.check<CacheConfig | null>(() => cacheConfigFromEnv(env), null);
  const namespace = env.QTS_CACHE_NAMESPACE ?? "qts:";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(namespace)) {
    issues.add("QTS_CACHE_NAMESPACE", JSON.stringify(namespace), "must not contain control characters");
  }
  issues.throwIfAny();
  const config = resolved as CacheConfig; // null only when an issue was recorded (thrown above)
  const redis = Boolean(env.QTS_REDIS_URL?.trim() || env.QTS_REDIS_HOST?.trim());
  const client: CacheClient = redis
    ? new RedisCacheClient({ ...config, namespace })
    : new InMemoryCacheClient({
        namespace,
        ...(managerOptions.clock ? { clock: managerOptions.clock } : {}),
      });
  const breaker = new CircuitBreaker({
    failureThreshold: config.circuitBreakerThreshold,
    recoveryTimeoutMs: config.circuitBreakerRecoveryMs,
    ...(managerOptions.clock ? { clock: managerOptions.clock } : {}),
  });
  const manager = new CacheManager(decorateClient ? decorateClient(client) : client, db, {
    cacheTimeoutMs: config.socketTimeoutMs,
    ...managerOptions,
    breaker,
  });
  return {
    manager,
    client,
    config,
    redis,
    async close() {
      await manager.close();
      await client.close();
    },
  };
}
