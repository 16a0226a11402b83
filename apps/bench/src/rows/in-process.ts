import { TTLCache } from "@isaacs/ttlcache";
import { CircuitBreaker, InMemoryCacheClient } from "@qts/cache";
import Opossum from "opossum";
import type { BenchContext, BenchDef } from "../context.js";
import { priceHash, symbols } from "../data.js";
import { measureSides, nsPerOp } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison, stat } from "../stats.js";

const KEYS = 1024;

/** `InMemoryCacheClient.get` (awaited) vs `@isaacs/ttlcache` get wrapped in an async function. */
export const memoryCacheBench: BenchDef = {
  name: "memory-cache",
  title: "InMemoryCacheClient.get (awaited) vs @isaacs/ttlcache get in an async function",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const keys = symbols(KEYS).map((s) => `price:${s}`);
    const ours = new InMemoryCacheClient();
    const ttl = new TTLCache<string, Record<string, string>>({ ttl: 3_600_000 });
    // ttlcache's defaults expire entries by timers only; with checkAgeOnGet it reads the clock per get as ours does.
    const ttlChecked = new TTLCache<string, Record<string, string>>({ ttl: 3_600_000, checkAgeOnGet: true });
    for (const [i, k] of keys.entries()) {
      const h = priceHash(k, i);
      await ours.set(k, h, 3_600_000);
      ttl.set(k, Object.freeze({ ...h }));
      ttlChecked.set(k, Object.freeze({ ...h }));
    }
    const ttlGet = async (k: string): Promise<Record<string, string> | undefined> => ttl.get(k);
    const ttlCheckedGet = async (k: string): Promise<Record<string, string> | undefined> => ttlChecked.get(k);
    const n = ctx.quick ? 500_000 : 2_000_000;
    let hits = 0;
    const sides = await measureSides(
      {
        baseline: async () =>
          1e9 /
          (await nsPerOp(async (m) => {
            for (let i = 0; i < m; i++) if ((await ttlGet(keys[i & (KEYS - 1)]!)) !== undefined) hits++;
          }, n)),
        ours: async () =>
          1e9 /
          (await nsPerOp(async (m) => {
            for (let i = 0; i < m; i++) if ((await ours.get(keys[i & (KEYS - 1)]!)) !== null) hits++;
          }, n)),
        checked: async () =>
          1e9 /
          (await nsPerOp(async (m) => {
            for (let i = 0; i < m; i++)
              if ((await ttlCheckedGet(keys[i & (KEYS - 1)]!)) !== undefined) hits++;
          }, n)),
      },
      ctx.quick ? 5 : 9,
      2,
    );
    await ours.close();
    ttl.clear();
    ttlChecked.clear();
    const checked = stat(sides.checked!);
    const perGet = (ops: number): string => `${(1e9 / ops).toFixed(1)} ns/get`;
    return [
      row(
        {
          name: "memory-cache",
          title: `InMemoryCacheClient.get awaited, ${KEYS} 8-field hashes, ${n.toLocaleString("en")} gets per sample`,
          unit: "ops/s",
          baselineLabel: "ttlcache.get in async fn",
          oursLabel: "InMemoryCacheClient.get",
          target: { op: ">=", value: 1.0 },
          notes: [
            `per get: ttlcache ${perGet(stat(sides.baseline!).median)}, ours ${perGet(stat(sides.ours!).median)}`,
            `ttlcache with checkAgeOnGet: true (a clock read per get, like ours): ${(checked.median / 1e6).toFixed(2)}M ops/s ` +
              `(${perGet(checked.median)}); ours / that = ${(stat(sides.ours!).median / checked.median).toFixed(2)}×`,
            `${hits.toLocaleString("en")} hits (every get hit)`,
          ],
        },
        comparison(sides.baseline!, sides.ours!),
      ),
    ];
  },
};

/** Our CircuitBreaker's per-call overhead vs opossum's `fire()` overhead, both around `async () => 1`. */
export const breakerBench: BenchDef = {
  name: "breaker",
  title: "CircuitBreaker canExecute+recordSuccess per call vs opossum fire() overhead",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const fn = async (): Promise<number> => 1;
    const ours = new CircuitBreaker();
    const opossum = new Opossum(fn);
    const n = ctx.quick ? 200_000 : 1_000_000;
    let sum = 0;
    const bare = (): Promise<number> =>
      nsPerOp(async (m) => {
        for (let i = 0; i < m; i++) sum += await fn();
      }, n);
    const oursTotal = (): Promise<number> =>
      nsPerOp(async (m) => {
        for (let i = 0; i < m; i++) {
          if (ours.canExecute()) {
            sum += await fn();
            ours.recordSuccess();
          }
        }
      }, n);
    const opossumTotal = (): Promise<number> =>
      nsPerOp(async (m) => {
        for (let i = 0; i < m; i++) sum += await opossum.fire();
      }, n);
    // Each side is (its loop) − (the bare loop measured right before it).
    const sides = await measureSides(
      {
        baseline: async () => -(await bare()) + (await opossumTotal()),
        ours: async () => -(await bare()) + (await oursTotal()),
      },
      ctx.quick ? 5 : 9,
      2,
    );
    // The synchronous cost alone (no await in the loop), a steadier figure of the same work.
    const syncSamples: number[] = [];
    for (let r = 0; r < 5; r++) {
      syncSamples.push(
        await nsPerOp((m) => {
          for (let i = 0; i < m; i++) if (ours.canExecute()) ours.recordSuccess();
        }, n * 5),
      );
    }
    opossum.shutdown();
    const sync = stat(syncSamples);
    return [
      row(
        {
          name: "breaker",
          title: `breaker overhead per call around async () => 1 (call − bare await), ${n.toLocaleString("en")} calls per sample`,
          unit: "ns/op",
          baselineLabel: "opossum 9 fire() (defaults)",
          oursLabel: "canExecute + recordSuccess",
          target: { op: "<=", value: 0.1 },
          notes: [
            `ours without the await (sync canExecute+recordSuccess only): ${sync.median.toFixed(2)} ns/call ` +
              `[${sync.min.toFixed(2)}..${sync.max.toFixed(2)}]`,
            "an overhead at or below zero means lost in the noise of the bare await (~tens of ns)",
            `${sum.toLocaleString("en")} calls completed`,
          ],
        },
        comparison(sides.baseline!, sides.ours!),
      ),
    ];
  },
};
