import type { BenchContext, BenchDef } from "../context.js";
import { priceHash, symbols } from "../data.js";
import { comparison, measureRow, pairedCallsPerSec, type RowResult, repeat, row } from "../harness.js";
import { loadRedisCacheClient } from "../ours.js";
import { closeRedis, populate, rawRedis } from "./redis-util.js";

const N_KEYS = 1000;

/** Calls per second of `batch` run `times` times back to back. */
async function batchesPerSec(times: number, batch: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < times; i++) await batch();
  return (times * 1000) / (performance.now() - t0);
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
    const Client = await loadRedisCacheClient();
    // A 1000-key pipeline can take longer than the default 100 ms command timeout on a loaded machine.
    const client =
      typeof Client === "string" ? null : new Client({ url, namespace: ns, socketTimeoutMs: 2000 });
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
      if (client !== null) {
        const got = await client.getMany(keys);
        const hits = [...got.values()].filter((v) => v !== null).length;
        notes.push(`getMany returned ${hits}/${N_KEYS} hits`);
      }
      const unit = "ops/s" as const;
      const pipelineInit = {
        name: "getmany.pipeline",
        title: `getMany(${N_KEYS}) vs raw pipeline of ${N_KEYS} HGETALLs (calls/s; ${pipelined} calls per sample, alternating call by call)`,
        unit,
        baselineLabel: "ioredis pipeline + exec",
        oursLabel: "RedisCacheClient.getMany",
        target: { op: ">=", value: 0.95 },
      } as const;
      let vsPipeline: RowResult;
      if (client === null) {
        vsPipeline = await measureRow(
          { ...pipelineInit, notes },
          repeats,
          2,
          () => batchesPerSec(pipelined, rawPipeline),
          Client as string,
        );
      } else {
        const getMany = () => client.getMany(keys);
        await pairedCallsPerSec(pipelined, rawPipeline, getMany);
        const b: number[] = [];
        const o: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const s = await pairedCallsPerSec(pipelined, rawPipeline, getMany);
          b.push(s.a);
          o.push(s.b);
        }
        vsPipeline = row({ ...pipelineInit, notes }, comparison(b, o));
      }
      const sequentialInit = {
        name: "getmany.sequential",
        title: `getMany(${N_KEYS}) vs ${N_KEYS} sequential awaited RedisCacheClient.get (calls/s, alternating call by call)`,
        unit,
        baselineLabel: `${N_KEYS} × await get`,
        oursLabel: "RedisCacheClient.getMany",
        target: { op: ">=", value: 4 },
      } as const;
      let vsSequential: RowResult;
      if (client === null) {
        vsSequential = row({ ...sequentialInit, notes: [`ours not measured: ${Client as string}`] }, null);
      } else {
        const sequential = async (): Promise<void> => {
          for (const k of keys) await client.get(k);
        };
        const getMany = () => client.getMany(keys);
        await pairedCallsPerSec(1, sequential, getMany);
        const b: number[] = [];
        const o: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const s = await pairedCallsPerSec(seqTimes * 2, sequential, getMany);
          b.push(s.a);
          o.push(s.b);
        }
        vsSequential = row(sequentialInit, comparison(b, o));
      }
      // The raw sequential figure too, so the cost of our per-call path is visible, and ours without
      // auto-pipelining (which defers every command to a setImmediate).
      const rawSeq = await repeat(repeats, 1, () =>
        batchesPerSec(seqTimes, async () => {
          for (const k of full) await raw.hgetall(k);
        }),
      );
      let noAutoSeq: string | null = null;
      if (typeof Client !== "string") {
        const plain = new Client({ url, namespace: ns, socketTimeoutMs: 2000, enableAutoPipelining: false });
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
      }
      return [
        vsPipeline,
        {
          ...vsSequential,
          notes: [
            ...vsSequential.notes,
            `raw ioredis ${N_KEYS} sequential hgetall: ${rawSeq.median.toFixed(1)} calls/s [${rawSeq.min.toFixed(1)}..${rawSeq.max.toFixed(1)}]`,
            ...(noAutoSeq === null ? [] : [noAutoSeq]),
          ],
        },
      ];
    } finally {
      await client?.close();
      await closeRedis(raw);
    }
  },
};
