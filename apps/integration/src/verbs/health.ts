import { RedisCacheClient } from "@qts/cache";
import { cacheConfigFromEnv, redactUrl } from "@qts/contracts";
import { COMMON_OPTIONS, flag, parse, STORE_OPTIONS } from "../cli/args.js";
import { redactText, storeSettingsHint } from "../cli/errors.js";
import { type Io, println } from "../cli/io.js";
import { openDataStore, storeSettings } from "../wiring/stores.js";

const VERB = "health";

export interface HealthLine {
  component: "data" | "cache";
  target: string;
  healthy: boolean;
  latencyMs: number;
  error: string;
}

/** `qts health`: one line per configured store and cache; exit 1 when one is down. */
export async function runHealth(argv: string[], io: Io): Promise<number> {
  const v = parse(VERB, argv, { ...COMMON_OPTIONS, ...STORE_OPTIONS });
  const s = storeSettings(v, io.env, VERB, (m) => println(io.stderr, `qts ${VERB}: warning: ${m}`));
  const lines: HealthLine[] = [];

  try {
    const store = await openDataStore(s, undefined, false);
    try {
      const h = await store.db.healthCheck();
      lines.push({
        component: "data",
        target: store.description,
        healthy: h.healthy,
        latencyMs: h.latencyMs,
        error: h.error,
      });
    } finally {
      await store.db.close().catch(() => undefined);
    }
  } catch (err) {
    lines.push({
      component: "data",
      target: s.mode,
      healthy: false,
      latencyMs: 0,
      error: (err as Error).message,
    });
  }

  if (s.redisUrl || s.env.QTS_REDIS_HOST?.trim()) {
    const target = s.redisUrl ? `redis ${redactUrl(s.redisUrl)}` : `redis ${s.env.QTS_REDIS_HOST}`;
    let client: RedisCacheClient | null = null;
    try {
      client = new RedisCacheClient({ ...cacheConfigFromEnv(s.env), namespace: s.namespace ?? "qts:" });
      const h = await client.healthCheck();
      lines.push({ component: "cache", target, healthy: h.healthy, latencyMs: h.latencyMs, error: h.error });
    } catch (err) {
      lines.push({ component: "cache", target, healthy: false, latencyMs: 0, error: (err as Error).message });
    } finally {
      await client?.close().catch(() => undefined);
    }
  } else {
    lines.push({
      component: "cache",
      target: "memory (in-process; set --redis or QTS_REDIS_URL for Redis)",
      healthy: true,
      latencyMs: 0,
      error: "",
    });
  }

  for (const l of lines) l.error = redactText(l.error);
  const ok = lines.every((l) => l.healthy);
  if (flag(v, "json")) {
    println(io.stdout, JSON.stringify({ ok, checks: lines }, null, 2));
  } else {
    for (const l of lines) {
      const state = l.healthy ? "ok  " : "DOWN";
      const detail = l.healthy ? `${l.latencyMs.toFixed(1)} ms` : l.error;
      println(io.stdout, `${l.component.padEnd(6)}${state}  ${l.target}  ${detail}`);
    }
    if (!ok) {
      const down = lines.filter((l) => !l.healthy);
      const where = down.map((l) =>
        l.component === "cache" ? "--redis / QTS_REDIS_URL" : storeSettingsHint(l.target),
      );
      println(
        io.stdout,
        `unhealthy: start the service marked DOWN or fix ${[...new Set(where)].join(" and ")}`,
      );
    }
  }
  return ok ? 0 : 1;
}
