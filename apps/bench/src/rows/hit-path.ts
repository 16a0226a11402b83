import { positionFromHash } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import type { BenchContext, BenchDef } from "../context.js";
import { symbols } from "../data.js";
import { latencies, pairedLatencies } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison, percentile } from "../stats.js";
import { closeManager, makeManager } from "./redis-read.js";
import { closeRedis, rawRedis } from "./redis-util.js";

const N_SYMBOLS = 1000;
const LEVELS = [1, 16, 64] as const;

/**
 * Position read hit path end to end: `CacheManager.getPosition` over Redis (every read a hit), p50 and p99 at
 * 1, 16 and 64 in flight. Baseline: raw ioredis HGETALL + `positionFromHash` of the same keys.
 */
export const hitPathBench: BenchDef = {
  name: "hit-path",
  title: "CacheManager.getPosition hit path over Redis, p50/p99 at 1, 16, 64 in flight",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const url = await ctx.redisUrl();
    const ns = `${ctx.namespace}hp:`;
    const syms = symbols(N_SYMBOLS);
    const db = new InMemoryAdapter();
    for (const [i, s] of syms.entries()) await db.updatePosition(s, 10 + i, `${100 + i}.125`);
    const built = makeManager(url, ns, db);
    const init = (c: number, p: "p50" | "p99") =>
      ({
        name: `hit-path.c${c}.${p}`,
        title: `getPosition hit latency ${p}, ${c} in flight`,
        unit: "ms",
        baselineLabel: "hgetall + positionFromHash",
        oursLabel: "CacheManager.getPosition",
      }) as const;
    const { manager } = built;
    const raw = rawRedis(url);
    try {
      for (const s of syms) await manager.getPosition(s); // fills the cache (misses)
      const probe = `${ns}pos:${syms[0]}`;
      if ((await raw.exists(probe)) !== 1)
        throw new Error(`CacheManager did not store ${probe} (key layout differs)`);
      const keys = syms.map((s) => `${ns}pos:${s}`);
      const total = ctx.quick ? 4_000 : 20_000;
      const repeats = ctx.quick ? 3 : 7;
      const out: RowResult[] = [];
      for (const c of LEVELS) {
        const p50 = { b: [] as number[], o: [] as number[] };
        const p99 = { b: [] as number[], o: [] as number[] };
        let nulls = 0;
        const baseOp = async (i: number): Promise<unknown> =>
          positionFromHash((await raw.hgetall(keys[i % N_SYMBOLS]!)) as Record<string, string>);
        const oursOp = async (i: number): Promise<void> => {
          if ((await manager.getPosition(syms[i % N_SYMBOLS]!)) === null) nulls++;
        };
        const push = (side: { b: number[]; o: number[] }, which: "b" | "o", v: number): void => {
          side[which].push(v);
        };
        const record = (which: "b" | "o", l: number[]): void => {
          push(p50, which, percentile(l, 50));
          push(p99, which, percentile(l, 99));
        };
        const sample = async (r: number): Promise<void> => {
          if (c === 1) {
            // One in flight: alternate call by call, so load spikes hit both sides alike.
            const l = await pairedLatencies(total, baseOp, oursOp);
            record("b", l.a);
            record("o", l.b);
            return;
          }
          for (const which of r % 2 === 0 ? (["b", "o"] as const) : (["o", "b"] as const)) {
            record(which, await latencies(which === "b" ? baseOp : oursOp, total, c));
          }
        };
        await sample(0);
        p50.b.length = p50.o.length = p99.b.length = p99.o.length = 0;
        for (let r = 0; r < repeats; r++) await sample(r);
        const st = manager.getStats("position");
        const notes = [
          `${total.toLocaleString("en")} reads per sample; position stats so far: ${st.hitCount} hits, ` +
            `${st.missCount} misses, ${st.errorCount} errors (timeouts fall back to the db)`,
        ];
        if (nulls > 0) notes.push(`${nulls} reads returned null`);
        out.push(row({ ...init(c, "p50"), notes }, comparison(p50.b, p50.o)));
        out.push(row(init(c, "p99"), comparison(p99.b, p99.o)));
      }
      return out;
    } finally {
      await closeRedis(raw);
      await closeManager(built);
    }
  },
};
