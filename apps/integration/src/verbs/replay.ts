import { randomBytes } from "node:crypto";
import { type CacheClient, isNamespacedCacheClient, validateSymbol } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { type MetricsServer, QtsMetrics, serveMetrics } from "@qts/metrics";
import {
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
} from "@qts/testkit";
import { COMMON_OPTIONS, flag, int, num, parse, STORE_OPTIONS, str } from "../cli/args.js";
import { CliError, UsageError } from "../cli/errors.js";
import { type Io, println } from "../cli/io.js";
import { Progress } from "../cli/progress.js";
import { type ChaosAction, postgresChaos, redisChaos } from "../replay/chaos.js";
import { runEngine } from "../replay/engine.js";
import { buildSummary, type ReplaySummary, renderSummary } from "../replay/summary.js";
import { EventRecorder } from "../replay/types.js";
import { csvSession } from "../session/csv.js";
import { symbolNames, syntheticSession } from "../session/synthetic.js";
import type { Session } from "../session/types.js";
import {
  type OpenedCache,
  type OpenedStore,
  openCache,
  openDataStore,
  storeSettings,
} from "../wiring/stores.js";

const VERB = "replay";

export const REPLAY_OPTIONS = {
  ...COMMON_OPTIONS,
  ...STORE_OPTIONS,
  symbols: { type: "string" },
  minutes: { type: "string" },
  "ticks-per-minute": { type: "string" },
  seed: { type: "string" },
  "fill-rate": { type: "string" },
  start: { type: "string" },
  ticks: { type: "string" },
  readers: { type: "string" },
  "batch-size": { type: "string" },
  "min-duration-ms": { type: "string" },
  chaos: { type: "string" },
  "breaker-threshold": { type: "string" },
  "breaker-recovery-ms": { type: "string" },
  cleanup: { type: "boolean" },
  "metrics-port": { type: "string" },
  hold: { type: "boolean" },
} as const;

const DEFAULT_START = "2024-01-02T14:30:00.000Z";

function parseSymbols(raw: string | undefined): string[] {
  if (raw === undefined) return symbolNames(8);
  if (/^\s*\d+\s*$/.test(raw)) {
    const n = Number(raw);
    if (n < 1 || n > 10_000) throw new UsageError(`--symbols must be between 1 and 10000 (got ${n})`, VERB);
    return symbolNames(n);
  }
  const list = [
    ...new Set(
      raw
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  ];
  if (list.length === 0) throw new UsageError("--symbols needs a count or a comma-separated list", VERB);
  for (const s of list) {
    try {
      validateSymbol(s);
    } catch (err) {
      throw new UsageError(`--symbols: ${(err as Error).message}`, VERB);
    }
  }
  return list;
}

function buildSession(
  v: Record<string, string | boolean | undefined>,
  orderPrefix: string,
): { session: Session; seed: number } {
  const seed = int(v, "seed", 42, 0, 2 ** 32 - 1, VERB);
  const fillRate = num(v, "fill-rate", 0.05, 0, 1, VERB);
  const ticksFile = str(v, "ticks");
  if (ticksFile !== undefined) {
    for (const f of ["symbols", "minutes", "ticks-per-minute", "start"]) {
      if (str(v, f) !== undefined) throw new UsageError(`--${f} cannot be combined with --ticks`, VERB);
    }
    return { session: csvSession(ticksFile, seed, fillRate, orderPrefix), seed };
  }
  const startRaw = str(v, "start") ?? DEFAULT_START;
  const start = new Date(startRaw);
  if (Number.isNaN(start.getTime()))
    throw new UsageError(`--start must be an ISO 8601 time (got ${JSON.stringify(startRaw)})`, VERB);
  const session = syntheticSession({
    seed,
    symbols: parseSymbols(str(v, "symbols")),
    minutes: int(v, "minutes", 30, 1, 100_000, VERB),
    ticksPerMinute: int(v, "ticks-per-minute", 120, 1, 60_000, VERB),
    fillRate,
    start,
    orderPrefix,
  });
  return { session, seed };
}

function chaosActions(redis: PrivateRedis | null, pg: PrivatePostgres | null): ChaosAction[] | undefined {
  if (redis) return redisChaos(redis);
  if (pg) return postgresChaos(pg);
  return undefined;
}

/** Starts the private server a chaos run crashes, or a `CliError` saying what to install. */
async function startChaosServer<T>(what: string, pkg: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw new CliError(
      `--chaos cannot start a private ${what}`,
      err instanceof Error
        ? (err.message.split("\n").filter((l) => l.trim() !== "" && !/^!+$/.test(l.trim()))[0] ?? "")
        : String(err),
      `install it (apt-get install -y ${pkg}) or run without --chaos`,
      { cause: err },
    );
  }
}

async function startMetricsServer(metrics: QtsMetrics, port: number): Promise<MetricsServer> {
  try {
    return await serveMetrics(metrics.registry, port);
  } catch (err) {
    throw new CliError(
      `--metrics-port ${port}: cannot serve /metrics`,
      errorMessage(err),
      "pick a free port (0 picks one) or drop --metrics-port",
      { cause: err },
    );
  }
}

/** Resolves on SIGINT or SIGTERM (for `--hold`). */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/**
 * `qts replay`: runs the session and prints the summary; exit 1 when a check failed. With `--metrics-port`
 * it serves Prometheus metrics at `/metrics` while it runs (and, with `--hold`, after the summary until
 * SIGINT/SIGTERM).
 */
export async function runReplayVerb(argv: string[], io: Io): Promise<number> {
  const v = parse(VERB, argv, REPLAY_OPTIONS);
  const port = str(v, "metrics-port") === undefined ? null : int(v, "metrics-port", 0, 0, 65_535, VERB);
  if (flag(v, "hold") && port === null) throw new UsageError("--hold needs --metrics-port", VERB);
  const metrics = port === null ? null : new QtsMetrics();
  const server = metrics && port !== null ? await startMetricsServer(metrics, port) : null;
  try {
    if (server) println(io.stderr, `metrics: ${server.url}`);
    const summary = await replay(v, io, metrics);
    if (flag(v, "json")) println(io.stdout, JSON.stringify(summary, null, 2));
    else println(io.stdout, renderSummary(summary));
    if (server && flag(v, "hold")) {
      println(io.stderr, `holding ${server.url} (Ctrl-C to stop)`);
      await untilSignal();
    }
    return summary.ok ? 0 : 1;
  } finally {
    await server?.close();
  }
}

/** Runs a replay from parsed flags and returns its summary (prints only progress). */
export async function replay(
  v: Record<string, string | boolean | undefined>,
  io: Io,
  metrics: QtsMetrics | null = null,
): Promise<ReplaySummary> {
  const runId = `r${randomBytes(4).toString("hex")}`;
  const { session } = buildSession(v, runId);
  const settings = storeSettings(v, io.env, VERB, (m) => println(io.stderr, `qts ${VERB}: warning: ${m}`));
  const chaos = str(v, "chaos");
  if (chaos !== undefined && chaos !== "redis" && chaos !== "postgres")
    throw new UsageError(`--chaos knows "redis" and "postgres" (got ${JSON.stringify(chaos)})`, VERB);
  if (chaos === "redis" && str(v, "redis") !== undefined)
    throw new UsageError("--chaos redis starts its own Redis: drop --redis", VERB);
  if (chaos === "postgres" && (str(v, "db") !== undefined || str(v, "mode") !== undefined))
    throw new UsageError("--chaos postgres starts its own PostgreSQL: drop --db / --mode", VERB);
  const readers = int(v, "readers", 4, 0, 1000, VERB);
  const batchSize = int(v, "batch-size", 5000, 1, 1_000_000, VERB);
  const minDurationMs = int(v, "min-duration-ms", 0, 0, 3_600_000, VERB);
  // Validated here for a usage error naming the flag; they reach the breaker through the environment overlay.
  int(v, "breaker-threshold", 5, 1, 1_000_000, VERB);
  int(v, "breaker-recovery-ms", 60_000, 0, 86_400_000, VERB);
  const quiet = flag(v, "quiet");

  let chaosRedis: PrivateRedis | null = null;
  let chaosPg: PrivatePostgres | null = null;
  let store: OpenedStore | null = null;
  let cache: OpenedCache | null = null;
  try {
    const events = new EventRecorder();
    if (chaos === "redis")
      chaosRedis = await startChaosServer("redis-server", "redis-server", () => startPrivateRedis());
    if (chaos === "postgres")
      chaosPg = await startChaosServer("PostgreSQL", "postgresql", () => startPrivatePostgres());
    const dataSettings = chaosPg
      ? {
          ...settings,
          mode: "DB_ONLY" as const,
          dbDsn: chaosPg.url,
          env: { ...settings.env, QTS_DB_DSN: chaosPg.url },
        }
      : settings;
    store = await openDataStore(dataSettings, `qts_replay_${runId}`, true, events);
    const cacheSettings = chaosRedis
      ? {
          ...settings,
          redisUrl: chaosRedis.url,
          // The chaos run wants to see the circuit close again within seconds.
          env: {
            QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS: "1000",
            ...settings.env,
            QTS_REDIS_URL: chaosRedis.url,
          },
        }
      : settings;
    const db = metrics ? metrics.instrumentDataSource(store.db) : store.db;
    cache = await openCache(cacheSettings, db, `qts:replay:${runId}:`, {
      eventSink: events,
      metricsIntervalMs: 1000,
      ...(metrics ? { decorateClient: (c: CacheClient) => metrics.instrumentCacheClient(c) } : {}),
    });
    const manager = cache.layer.manager;
    const breaker = manager.circuitBreaker;
    metrics?.observeCacheManager(manager, "replay").observeDataSource(store.db);
    const result = await runEngine({
      session,
      db,
      cache: manager,
      runTag: `qts-replay:${runId}`,
      readers,
      batchSize,
      pushConcurrency: 256,
      minDurationMs,
      progress: new Progress({ stream: io.stderr, enabled: !quiet }),
      events,
      breaker,
      chaos: chaosActions(chaosRedis, chaosPg),
      waitForClosedMs: chaosRedis ? 10_000 : undefined,
    });
    const summary = buildSummary({
      runId,
      result,
      session,
      stores: {
        data: chaosPg ? `${store.description} (private, chaos)` : store.description,
        cache: chaosRedis ? `${cache.description} (private, chaos)` : cache.description,
        schema: store.schema,
        namespace: cache.namespace,
      },
      readers,
      events,
      chaos: chaosRedis ? "redis" : chaosPg ? "postgres" : null,
    });
    if (flag(v, "cleanup")) {
      await manager.close();
      const client = cache.layer.client;
      if (isNamespacedCacheClient(client)) await client.flushNamespace();
    }
    return summary;
  } finally {
    await cache?.layer.close().catch(() => undefined);
    await store?.db.close().catch(() => undefined);
    await chaosRedis?.destroy().catch(() => undefined);
    await chaosPg?.destroy().catch(() => undefined);
    // After the pool is closed: drops only a schema this run created (never one given with --schema).
    if (flag(v, "cleanup") && chaosPg === null) await store?.dropSchema();
  }
}
