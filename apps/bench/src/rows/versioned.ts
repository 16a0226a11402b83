import { RedisCacheClient } from "@qts/cache";
import type { BenchContext, BenchDef } from "../context.js";
import { symbols } from "../data.js";
import { pairedCallsPerSec, throughput } from "../measure.js";
import { type RowInit, type RowResult, row } from "../row.js";
import { comparison } from "../stats.js";
import { rawRedis } from "./redis-util.js";

const N_KEYS = 1000;
const TTL_MS = 3_600_000;

/** A cached position as the cache manager writes it (7 fields besides the version). */
function positionHash(symbol: string, i: number): Record<string, string> {
  return {
    symbol,
    quantity: String(100 + (i % 900)),
    avgPrice: `${187 + (i % 13)}.25`,
    realizedPnl: "0",
    marketValue: `${18_725 + i}.5`,
    unrealizedPnl: "12.5",
    timestamp: "2026-11-29T05:00:00.000Z",
  };
}

/**
 * `RedisCacheClient.setIfNewer` (the versioned script: HGET of the cached version, then HSET + HLEN +
 * PEXPIRE) vs today's plain `set` (the replace script): same client, the same hashes under two key sets
 * (so the versioned side always compares with a versioned entry), every versioned write applied (versions
 * only grow); 64 and 1 in flight, alternating sides in blocks of writes.
 */
export const versionedBench: BenchDef = {
  name: "versioned",
  title: "RedisCacheClient.setIfNewer (versioned script) vs plain set",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const url = await ctx.redisUrl();
    const ns = `${ctx.namespace}vs:`;
    const syms = symbols(N_KEYS);
    const keys = syms.map((s) => `pos:${s}`);
    const plainKeys = syms.map((s) => `plain:${s}`);
    const hashes = syms.map((s, i) => positionHash(s, i));
    const chunkOf = (inFlight: number) => (inFlight === 1 ? 500 : 2_000);
    const init = (inFlight: number, total: number, notes: string[] = []): RowInit => ({
      name: inFlight === 1 ? "versioned.set.c1" : "versioned.set",
      title:
        `setIfNewer vs set of ${N_KEYS} 8-field position hashes, ${inFlight} in flight, ` +
        `${total.toLocaleString("en")} writes per side per sample, alternating in blocks of ${chunkOf(inFlight).toLocaleString("en")}`,
      unit: "ops/s",
      baselineLabel: "RedisCacheClient.set",
      oursLabel: "RedisCacheClient.setIfNewer",
      target: inFlight === 1 ? null : { op: ">=", value: 0.9 },
      notes,
    });
    const client = new RedisCacheClient({ url, namespace: ns, socketTimeoutMs: 2000 });
    const raw = rawRedis(url);
    let version = 0;
    let rejected = 0;
    // Both sides are async wrappers of the same shape, so neither pays an extra promise hop the other does not.
    let notStored = 0;
    const plain = async (i: number) => {
      if (!(await client.set(plainKeys[i % N_KEYS]!, hashes[i % N_KEYS]!, TTL_MS))) notStored++;
    };
    const versioned = async (i: number) => {
      if (!(await client.setIfNewer(keys[i % N_KEYS]!, hashes[i % N_KEYS]!, TTL_MS, ++version))) rejected++;
    };
    const rows: RowResult[] = [];
    try {
      for (const inFlight of [64, 1]) {
        const total = (ctx.quick ? 10_000 : 20_000) / (inFlight === 1 ? 4 : 1);
        const chunk = chunkOf(inFlight);
        const block = (fn: (i: number) => Promise<unknown>) => () => throughput(fn, chunk, inFlight);
        const b: number[] = [];
        const o: number[] = [];
        for (let r = 0; r <= (ctx.quick ? 3 : 7); r++) {
          const s = await pairedCallsPerSec(total / chunk, block(plain), block(versioned));
          if (r === 0) continue; // warm-up
          b.push(s.a * chunk);
          o.push(s.b * chunk);
        }
        const stored = await raw.hget(`${ns}${keys[0]}`, "version");
        const notes = [
          `versioned writes not applied: ${rejected} (versions only grow, so every one should apply); plain sets not stored: ${notStored}; ` +
            `version field of ${keys[0]} after the run: ${stored} (of ${version} writes)`,
        ];
        rows.push(row(init(inFlight, total, notes), comparison(b, o)));
      }
    } finally {
      await client.close();
      raw.disconnect();
    }
    return rows;
  },
};
