import { percentile, type Stat, stat } from "./stats.js";

/**
 * Measuring in `qts bench`: a figure is measured R times (after warm-up), baseline and ours interleaved in the
 * same process against the same services, so drift in the load of a shared machine reaches both sides alike.
 */

/**
 * Measures several sides in the same repeats, rotating their order per repeat so drift in machine load
 * spreads over all of them. Resolves to each side's samples, in repeat order.
 */
export async function measureSides(
  sides: Readonly<Record<string, () => Promise<number>>>,
  repeats: number,
  warmup = 1,
): Promise<Record<string, number[]>> {
  const keys = Object.keys(sides);
  const out: Record<string, number[]> = {};
  for (const k of keys) out[k] = [];
  for (let i = 0; i < warmup; i++) for (const k of keys) await sides[k]!();
  for (let r = 0; r < repeats; r++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(r + j) % keys.length]!;
      out[k]!.push(await sides[k]!());
    }
  }
  return out;
}

/** Measures only one side (a row with no counterpart, or an informational figure). */
export async function repeat(times: number, warmup: number, fn: () => Promise<number>): Promise<Stat> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await fn());
  return stat(out);
}

/** Wall time of one call in milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs `op(i)` `total` times with `concurrency` calls in flight (each worker awaits its call, then starts the
 * next); resolves to operations per second.
 */
export async function throughput(
  op: (i: number) => Promise<unknown>,
  total: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await op(next++);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return (total * 1000) / (performance.now() - t0);
}

/** Like `throughput` but records each call's latency (ms); resolves to the sorted latencies. */
export async function latencies(
  op: (i: number) => Promise<unknown>,
  total: number,
  concurrency: number,
): Promise<number[]> {
  const out = new Array<number>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      out[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return out.sort((a, b) => a - b);
}

/** Nanoseconds per iteration of a loop the caller writes (so no closure call per iteration is added). */
export async function nsPerOp(loop: (n: number) => Promise<unknown> | unknown, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  await loop(n);
  return Number(process.hrtime.bigint() - t0) / n;
}

/**
 * Calls `a` and `b` alternately `times` times each (a, b, b, a, a, b, ...), timing every call, and resolves
 * to each side's calls per second, from the median call time of the sample. On a shared, noisy machine both
 * sides then see the same load; the median keeps one garbage-collection pause or scheduler hiccup (which
 * lands on whichever side happens to be running) from deciding the sample.
 */
export async function pairedCallsPerSec(
  times: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<{ a: number; b: number }> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < times; i++) {
    const aFirst = i % 2 === 0;
    for (const side of aFirst ? [a, b] : [b, a]) {
      const t0 = performance.now();
      await side();
      const dt = performance.now() - t0;
      if (side === a) ta.push(dt);
      else tb.push(dt);
    }
  }
  return { a: 1000 / percentile(ta, 50), b: 1000 / percentile(tb, 50) };
}

/**
 * One call in flight: `a(i)` and `b(i)` alternately (a, b, b, a, ...) `total` times each, every call timed;
 * resolves to each side's sorted latencies (ms). Both sides see the same machine load, which matters for p99.
 * With `block` > 1 the sides alternate every `block` calls (a×block, b×block, b×block, a×block, ...): each
 * call then follows calls of its own kind, as in an engine that reads on every tick, instead of a network
 * round trip of the other side that leaves the CPU caches cold for it.
 */
export async function pairedLatencies(
  total: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
  block = 1,
): Promise<{ a: number[]; b: number[] }> {
  const la = new Array<number>(total);
  const lb = new Array<number>(total);
  for (let from = 0; from < total; from += block) {
    const to = Math.min(total, from + block);
    const aFirst = (from / block) % 2 === 0;
    for (const isA of aFirst ? [true, false] : [false, true]) {
      const op = isA ? a : b;
      const out = isA ? la : lb;
      for (let i = from; i < to; i++) {
        const t0 = performance.now();
        await op(i);
        out[i] = performance.now() - t0;
      }
    }
  }
  return { a: la.sort((x, y) => x - y), b: lb.sort((x, y) => x - y) };
}
