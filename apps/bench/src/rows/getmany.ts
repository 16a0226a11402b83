import { RedisCacheClient } from "@qts/cache";
import type { BenchContext, BenchDef } from "../context.js";
import { priceHash, symbols } from "../data.js";
import { pairedCallsPerSec, repeat } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { type Comparison, comparison } from "../stats.js";
import { closeRedis, populate, rawRedis } from "./redis-util.js";

const N_KEYS = 1000;

/** Calls per second of `batch` run `times` times back to back. */
async function batchesPerSec(times: number, batch: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < times; i++) await batch();
  return (times * 1000) / (performance.now() - t0);
}

/**
 * `repeats` samples of `pairedCallsPerSec(calls, baseline, ours)` after a warm-up sample of `warmupCalls`,
 * as a comparison of calls per second.
 */
async function pairedSamples(
  repeats: number,
  calls: number,
  baseline: () => Promise<unknown>,
  ours: () => Promise<unknown>,
  warmupCalls = calls,
): Promise<Comparison> {
  await pairedCallsPerSec(warmupCalls, baseline, ours);
  const b: number[] = [];
  const o: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const s = await pairedCallsPerSec(calls, baseline, ours);
    b.push(s.a);
    o.push(s.b);
  }
  return comparison(b, o);
}

/** `RedisCacheClient.getMany(1000 keys)` vs a raw pipeline of 1000 HGETALLs and vs 1000 sequential gets. */
export const getManyBench: BenchDef = {
  name: "getmany",
  title: `RedisCacheClient.getMany(${N_KEYS} keys) vs a raw ioredis pipeline and vs ${N_KEYS} sequential gets`,
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const url = await ctx.redisUrl();
    const ns = `${ctx.namespace}gm:`;
    const keys = symbols(N_KEYS).map((s) => `price:${s}`);
    const full = keys.map((k) => `${ns}${k}`);
    const raw = rawRedis(url);
    await populate(
      raw,
      keys.map((k, i) => [`${ns}${k}`, priceHash(k, i)] as const),
    );
    // A 1000-key pipeline can take longer than the default 100 ms command timeout on a loaded machine.
    const client = new RedisCacheClient({ url, namespace: ns, socketTimeoutMs: 2000 });
    const repeats = ctx.quick ? 5 : 9;
    const pipelined = ctx.quick ? 40 : 150;
    const seqTimes = ctx.quick ? 3 : 10;
    const rawPipeline = async (): Promise<unknown> => {
      const p = raw.pipeline();
      for (const k of full) p.hgetall(k);
      return p.exec();
    };
    const notes: string[] = [
      "ours with socketTimeoutMs 2000 (the 100 ms default can time out a 1000-key pipeline under load)",
    ];
    try {
      const got = await client.getMany(keys);
      const hits = [...got.values()].filter((v) => v !== null).length;
      notes.push(`getMany returned ${hits}/${N_KEYS} hits`);
      const getMany = () => client.getMany(keys);
      const unit = "ops/s" as const;
      const pipelineInit = {
        name: "getmany.pipeline",
        title: `getMany(${N_KEYS}) vs raw pipeline of ${N_KEYS} HGETALLs (calls/s; ${pipelined} calls per sample, alternating call by call)`,
        unit,
        baselineLabel: "ioredis pipeline + exec",
        oursLabel: "RedisCacheClient.getMany",
        target: { op: ">=", value: 0.95 },
      } as const;
      const vsPipeline = row(
        { ...pipelineInit, notes },
        await pairedSamples(repeats, pipelined, rawPipeline, getMany),
      );
      const sequentialInit = {
        name: "getmany.sequential",
        title: `getMany(${N_KEYS}) vs ${N_KEYS} sequential awaited RedisCacheClient.get (calls/s, alternating call by call)`,
        unit,
        baselineLabel: `${N_KEYS} × await get`,
        oursLabel: "RedisCacheClient.getMany",
        target: { op: ">=", value: 4 },
      } as const;
      const sequential = async (): Promise<void> => {
        for (const k of keys) await client.get(k);
      };
      const vsSequential = row(
        sequentialInit,
        await pairedSamples(repeats, seqTimes * 2, sequential, getMany, 1),
      );
      // The raw sequential figure too, so the cost of our per-call path is visible, and ours without
      // auto-pipelining (which defers every command to a setImmediate).
      const rawSeq = await repeat(repeats, 1, () =>
        batchesPerSec(seqTimes, async () => {
          for (const k of full) await raw.hgetall(k);
        }),
      );
      const plain = new RedisCacheClient({
        url,
        namespace: ns,
        socketTimeoutMs: 2000,
        enableAutoPipelining: false,
      });
      let noAutoSeq: string;
      try {
        const s = await repeat(repeats, 1, () =>
          batchesPerSec(seqTimes, async () => {
            for (const k of keys) await plain.get(k);
          }),
        );
        noAutoSeq =
          `ours with enableAutoPipelining: false, ${N_KEYS} sequential get: ` +
          `${s.median.toFixed(1)} calls/s [${s.min.toFixed(1)}..${s.max.toFixed(1)}]`;
      } finally {
        await plain.close();
      }
      return [
        vsPipeline,
        {
          ...vsSequential,
          notes: [
            ...vsSequential.notes,
            `raw ioredis ${N_KEYS} sequential hgetall: ${rawSeq.median.toFixed(1)} calls/s [${rawSeq.min.toFixed(1)}..${rawSeq.max.toFixed(1)}]`,
            noAutoSeq,
          ],
        },
      ];
    } finally {
      await client.close();
      await closeRedis(raw);
    }
  },
};
