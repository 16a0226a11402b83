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
  /** What the store reports beyond up/down: read replicas (lag, usable), the Hybrid outbox or backlog. */
  notes: string[];
}

/** Replicas with their lag, and the Hybrid outbox depth / backlog, from `healthCheck().details`. */
export function healthNotes(details: Readonly<Record<string, unknown>> | undefined): string[] {
  const d = details ?? {};
  const notes: string[] = [];
  const replicas = typeof d.replicas === "number" ? d.replicas : 0;
  for (let i = 0; i < replicas; i++) {
    const lag = Number(d[`replica${i}LagMs`] ?? -1);
    const state = d[`replica${i}Usable`] === true ? "in use" : "skipped";
    const why = typeof d[`replica${i}Error`] === "string" ? ` (${d[`replica${i}Error`]})` : "";
    notes.push(
      `replica ${String(d[`replica${i}`])}: ${state}, lag ${lag < 0 ? "unknown" : `${lag} ms`}${why}`,
    );
  }
  if (typeof d.outboxDepth === "number") {
    const age = typeof d.outboxOldestAgeMs === "number" ? `, oldest ${d.outboxOldestAgeMs} ms` : "";
    notes.push(`outbox: ${d.outboxDepth} pending${age}`);
  } else if (typeof d.backlog === "number") {
    notes.push(`secondary backlog: ${d.backlog} pending (in memory)`);
  }
  if (d.needsRepair === true) notes.push("needs repair: run `qts sync`");
  if (d.caggRefreshPending === true)
    notes.push(`continuous aggregate refresh pending: ${String(d.caggRefreshError)}`);
  return notes;
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
        notes: healthNotes(h.details),
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
      notes: [],
    });
  }

  if (s.redisUrl || s.env.QTS_REDIS_HOST?.trim()) {
    const target = s.redisUrl ? `redis ${redactUrl(s.redisUrl)}` : `redis ${s.env.QTS_REDIS_HOST}`;
    let client: RedisCacheClient | null = null;
    try {
      client = new RedisCacheClient({ ...cacheConfigFromEnv(s.env), namespace: s.namespace ?? "qts:" });
      const h = await client.healthCheck();
      lines.push({
        component: "cache",
        target,
        healthy: h.healthy,
        latencyMs: h.latencyMs,
        error: h.error,
        notes: [],
      });
    } catch (err) {
      lines.push({
        component: "cache",
        target,
        healthy: false,
        latencyMs: 0,
        error: (err as Error).message,
        notes: [],
      });
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
      notes: [],
    });
  }

  for (const l of lines) {
    l.error = redactText(l.error);
    l.notes = l.notes.map(redactText);
  }
  const ok = lines.every((l) => l.healthy);
  if (flag(v, "json")) {
    println(io.stdout, JSON.stringify({ ok, checks: lines }, null, 2));
  } else {
    for (const l of lines) {
      const state = l.healthy ? "ok  " : "DOWN";
      const detail = l.healthy ? `${l.latencyMs.toFixed(1)} ms` : l.error;
      println(io.stdout, `${l.component.padEnd(6)}${state}  ${l.target}  ${detail}`);
      for (const note of l.notes) println(io.stdout, `        ${note}`);
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
