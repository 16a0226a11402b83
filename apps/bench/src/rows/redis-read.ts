import { CircuitBreaker, RedisCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { InMemoryAdapter } from "@qts/db-adapters";
import type { Redis } from "ioredis";
import type { BenchContext, BenchDef } from "../context.js";
import { priceHash, symbols } from "../data.js";
import { pairedCallsPerSec, repeat, throughput } from "../measure.js";
import { type RowResult, row, skippedRow } from "../row.js";
import { comparison } from "../stats.js";
import { closeRedis, onPath, populate, rawRedis, redisBenchmark } from "./redis-util.js";

const N_SYMBOLS = 1000;
const IN_FLIGHT = 64;
const CHUNK = 2_000;
/** Long TTLs so nothing expires while measuring (the default price TTL is 100 ms). */
export const LONG_TTLS = { price: 3_600_000, position: 3_600_000 } as const;

/** A CacheManager over its RedisCacheClient, as the rows build and close them. */
export interface BenchManager {
  readonly manager: CacheManager;
  readonly client: RedisCacheClient;
}

/**
 * A CacheManager over a RedisCacheClient on `url` with the namespace `ns`. The db is an InMemoryAdapter by
 * default: the rows using it measure cache hits, which never reach the db. The breaker opens only after
 * 1,000,000 consecutive failures, so a command timeout on a loaded machine shows up as an error count in the
 * notes instead of silently turning the rest of the run into DB reads.
 */
export function makeManager(url: string, ns: string, db = new InMemoryAdapter()): BenchManager {
  const client = new RedisCacheClient({ url, namespace: ns });
  const breaker = new CircuitBreaker({ failureThreshold: 1_000_000 });
  const manager = new CacheManager(client, db, {
    breaker,
    ttlOverridesMs: LONG_TTLS,
    metricsIntervalMs: 3_600_000,
  });
  return { manager, client };
}

export async function closeManager(m: BenchManager): Promise<void> {
  await m.manager.close();
  await m.client.close();
}

/** `CacheManager.getPrice` vs raw ioredis HGETALL of the same hashes, 64 in flight, same Redis. */
export const redisReadBench: BenchDef = {
  name: "redis-read",
  title: `CacheManager.getPrice vs raw ioredis HGETALL, ${IN_FLIGHT} in flight (+ redis-benchmark limit)`,
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const url = await ctx.redisUrl();
    const ns = `${ctx.namespace}rr:`;
    const syms = symbols(N_SYMBOLS);
    const keys = syms.map((s) => `${ns}price:${s}`);
    const raw = rawRedis(url);
    const total = ctx.quick ? 20_000 : 100_000;
    const repeats = ctx.quick ? 3 : 7;
    const rows: RowResult[] = [];
    try {
      const built = makeManager(url, ns);
      ctx.defer(() => closeManager(built));
      const { manager } = built;
      for (const [i, s] of syms.entries()) await manager.pushPrice(s, priceHash(s, i));
      const found = await raw.exists(keys[0]!);
      if (found !== 1) throw new Error(`CacheManager did not store ${keys[0]} (key layout differs)`);
      const ttl = await raw.pttl(keys[0]!);
      const notes = [`price TTL in Redis after pushPrice: ${ttl} ms (override ${LONG_TTLS.price})`];
      const init = {
        name: "redis-read",
        title:
          `getPrice vs HGETALL of ${N_SYMBOLS} 8-field hashes, ${IN_FLIGHT} in flight, ${total.toLocaleString("en")} ` +
          `reads per side per sample, alternating in blocks of ${CHUNK.toLocaleString("en")}`,
        unit: "ops/s",
        baselineLabel: "ioredis 5.11.1 hgetall",
        oursLabel: "CacheManager.getPrice",
        target: { op: ">=", value: 0.9 },
        notes,
      } as const;
      const base = (i: number): Promise<unknown> => raw.hgetall(keys[i % N_SYMBOLS]!);
      const ours = (i: number): Promise<unknown> => manager.getPrice(syms[i % N_SYMBOLS]!);
      // Blocks of CHUNK reads, alternating sides, so both see the same load on this shared machine.
      const block = (fn: (i: number) => Promise<unknown>) => () => throughput(fn, CHUNK, IN_FLIGHT);
      const b: number[] = [];
      const o: number[] = [];
      for (let r = 0; r <= repeats; r++) {
        const s = await pairedCallsPerSec(total / CHUNK, block(base), block(ours));
        if (r === 0) continue; // warm-up
        b.push(s.a * CHUNK);
        o.push(s.b * CHUNK);
      }
      const st = manager.getStats("price");
      notes.push(
        `getPrice stats: ${st.hitCount} hits, ${st.missCount} misses, ${st.errorCount} errors (timeouts)`,
      );
      rows.push(row(init, comparison(b, o)));
      rows.push(...(await machineLimit(ctx, url, raw, `${ns}rb`)));
    } finally {
      await closeRedis(raw);
    }
    return rows;
  },
};

async function machineLimit(ctx: BenchContext, url: string, raw: Redis, key: string): Promise<RowResult[]> {
  const init = (p: number) =>
    ({
      name: p === 1 ? "redis-limit.unpipelined" : `redis-limit.p${p}`,
      title: `redis-benchmark HGETALL of one 8-field hash, ${IN_FLIGHT} clients${p === 1 ? "" : `, -P ${p}`} (the machine's limit)`,
      unit: "req/s",
      baselineLabel: "redis-benchmark",
      oursLabel: "",
    }) as const;
  if (!(await onPath("redis-benchmark"))) {
    const reason = "redis-benchmark is not on PATH (Debian package redis-tools); the row is informational";
    return [skippedRow(init(1), reason), skippedRow(init(16), reason)];
  }
  await populate(raw, [[key, priceHash("RB", 1)]]);
  const out: RowResult[] = [];
  for (const p of [1, 16]) {
    const requests = (ctx.quick ? 50_000 : 200_000) * (p === 1 ? 1 : 4);
    const s = await repeat(ctx.quick ? 1 : 3, 0, () => redisBenchmark(url, key, requests, IN_FLIGHT, p));
    out.push(row(init(p), { baseline: s }));
  }
  return out;
}
