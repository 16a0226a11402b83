import { CircuitBreaker, RedisCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import type { BenchContext, BenchDef } from "../context.js";
import { symbols } from "../data.js";
import { pairedLatencies } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison, percentile } from "../stats.js";
import { oursAdapter } from "./pg-util.js";
import { LONG_TTLS } from "./redis-read.js";

const N_SYMBOLS = 100;

/**
 * `CacheManager.getPosition` with Redis down (a private redis-server, SIGKILLed) and the breaker open vs a
 * direct `TimescaleAdapter.fetchPosition` of the same symbols: p99 (and p50), one call in flight.
 */
export const degradedBench: BenchDef = {
  name: "degraded",
  title: "getPosition with Redis down and the breaker open vs direct fetchPosition (p99)",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const init = (p: "p50" | "p99") =>
      ({
        name: `degraded.${p}`,
        title: `getPosition latency ${p}, Redis killed, circuit open, 1 in flight, alternating call by call`,
        unit: "ms",
        baselineLabel: "TimescaleAdapter.fetchPosition",
        oursLabel: "CacheManager.getPosition",
        target: p === "p99" ? ({ op: "<=", value: 1.2 } as const) : null,
      }) as const;
    const { adapter } = await oursAdapter(ctx, "bench_degraded");
    const syms = symbols(N_SYMBOLS);
    for (const [i, s] of syms.entries()) await adapter.updatePosition(s, 10 + i, `${100 + i}.5`);
    const redis = await ctx.privateRedis();
    const client = new RedisCacheClient({
      url: redis.url,
      namespace: `${ctx.namespace}dg:`,
    });
    const breaker = new CircuitBreaker({ failureThreshold: 5, recoveryTimeoutMs: 3_600_000 });
    const manager = new CacheManager(client, adapter, {
      breaker,
      ttlOverridesMs: LONG_TTLS,
      metricsIntervalMs: 3_600_000,
    });
    const notes: string[] = [];
    try {
      for (const s of syms) await manager.getPosition(s); // fill the cache
      await redis.kill();
      const t0 = performance.now();
      let calls = 0;
      while (!manager.isCircuitOpen() && calls < 200) {
        await manager.getPosition(syms[calls % N_SYMBOLS]!);
        calls++;
      }
      notes.push(
        `circuit open: ${manager.isCircuitOpen()} after ${calls} calls in ${(performance.now() - t0).toFixed(0)} ms`,
      );
      const total = ctx.quick ? 2_000 : 10_000;
      const p50 = { b: [] as number[], o: [] as number[] };
      const p99 = { b: [] as number[], o: [] as number[] };
      let nulls = 0;
      const count = (p: unknown): void => {
        if (p === null) nulls++;
      };
      const sample = async (): Promise<void> => {
        // Call by call, alternating, so a load spike on this shared machine hits both sides alike.
        const l = await pairedLatencies(
          total,
          async (i) => count(await adapter.fetchPosition(syms[i % N_SYMBOLS]!)),
          async (i) => count(await manager.getPosition(syms[i % N_SYMBOLS]!)),
        );
        p50.b.push(percentile(l.a, 50));
        p99.b.push(percentile(l.a, 99));
        p50.o.push(percentile(l.b, 50));
        p99.o.push(percentile(l.b, 99));
      };
      await sample();
      p50.b.length = p50.o.length = p99.b.length = p99.o.length = 0;
      const repeats = ctx.quick ? 3 : 7;
      for (let r = 0; r < repeats; r++) await sample();
      notes.push(
        `${total.toLocaleString("en")} reads per sample; circuit still open: ${manager.isCircuitOpen()}`,
      );
      if (nulls > 0) notes.push(`${nulls} reads returned null`);
      return [
        row({ ...init("p99"), notes }, comparison(p99.b, p99.o)),
        row(init("p50"), comparison(p50.b, p50.o)),
      ];
    } finally {
      await manager.close();
      await client.close().catch(() => undefined);
    }
  },
};
