import { Redis as Redis6 } from "ioredis6";
import type { BenchContext, BenchDef } from "../context.js";
import { priceHash, symbols } from "../data.js";
import { pairedCallsPerSec } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison, stat } from "../stats.js";
import { closeRedis, populate, rawRedis } from "./redis-util.js";

const N_KEYS = 1000;

/** ioredis 5.11.1 vs 6.0.0 (default RESP3, and with protocol 2) on pipelined HGETALL of 1000 8-field hashes. */
export const ioredisBench: BenchDef = {
  name: "ioredis",
  title: "ioredis 5.11.1 vs 6.0.0 on pipelined HGETALL",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const url = await ctx.redisUrl();
    const ns = `${ctx.namespace}io:`;
    const keys = symbols(N_KEYS).map((s) => `${ns}price:${s}`);
    const v5 = rawRedis(url);
    const v6 = new Redis6(url);
    const v6resp2 = new Redis6(url, { protocol: 2 });
    const batches = ctx.quick ? 20 : 50;
    try {
      await populate(
        v5,
        keys.map((k, i) => [k, priceHash(k, i)] as const),
      );
      const check = await v6.hgetall(keys[0]!);
      const shapeOk = typeof check === "object" && check !== null && Object.keys(check).length === 8;
      type Piped = { pipeline(): { hgetall(k: string): unknown; exec(): Promise<unknown> } };
      const pipe = (client: Piped) => (): Promise<unknown> => {
        const p = client.pipeline();
        for (const k of keys) p.hgetall(k);
        return p.exec();
      };
      // Pipeline by pipeline, alternating clients, so both see the same machine load.
      const s = { v5: [] as number[], v6: [] as number[], v6resp2: [] as number[], v5b: [] as number[] };
      await pairedCallsPerSec(5, pipe(v5), pipe(v6));
      await pairedCallsPerSec(5, pipe(v5), pipe(v6resp2));
      for (let r = 0; r < (ctx.quick ? 5 : 9); r++) {
        const a = await pairedCallsPerSec(batches, pipe(v5), pipe(v6));
        s.v5.push(a.a * N_KEYS);
        s.v6.push(a.b * N_KEYS);
        const b = await pairedCallsPerSec(batches, pipe(v5), pipe(v6resp2));
        s.v5b.push(b.a * N_KEYS);
        s.v6resp2.push(b.b * N_KEYS);
      }
      const resp2 = stat(s.v6resp2);
      const resp2Ratio = comparison(s.v5b, s.v6resp2).ratio;
      const cmp = comparison(s.v5, s.v6);
      const faster = cmp.ratio.median < 1 ? "5.11.1" : "6.0.0";
      return [
        row(
          {
            name: "ioredis",
            title: `pipelined HGETALL, ${N_KEYS} keys per pipeline, ${batches} pipelines per client per sample, alternating (keys/s)`,
            unit: "ops/s",
            baselineLabel: "ioredis 5.11.1",
            oursLabel: "ioredis 6.0.0 (RESP3 default)",
            notes: [
              `ioredis 6.0.0 with protocol: 2: ${(resp2.median / 1000).toFixed(1)}k keys/s ` +
                `[${(resp2.min / 1000).toFixed(1)}k..${(resp2.max / 1000).toFixed(1)}k] ` +
                `(${resp2Ratio.median.toFixed(2)}× 5.11.1 [${resp2Ratio.min.toFixed(2)}..${resp2Ratio.max.toFixed(2)}], paired)`,
              `faster on this run: ${faster}; the packages keep ioredis 5.11.1 (6.0 brings nothing the spec needs)`,
              `6.0.0 hgetall reply shape is a plain object of 8 fields: ${shapeOk}`,
            ],
          },
          cmp,
        ),
      ];
    } finally {
      await closeRedis(v5);
      await v6.quit().catch(() => v6.disconnect());
      await v6resp2.quit().catch(() => v6resp2.disconnect());
    }
  },
};
