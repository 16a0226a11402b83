/**
 * The measuring core of `qts bench`: a figure is measured R times (after warm-up), baseline and ours
 * interleaved in the same process against the same services, and reported as a median with its spread.
 * The ratio is ours / baseline per repeat (median of those), compared with the target as a boolean for the
 * report — never an assertion.
 */

export type Unit = "ops/s" | "rows/s" | "req/s" | "ns/op" | "ms";

export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
  readonly n: number;
  readonly samples: readonly number[];
}

/** A ratio target: `ours / baseline` `>=` or `<=` value. */
export interface Target {
  readonly op: ">=" | "<=";
  readonly value: number;
}

export interface RowResult {
  /** Stable id, e.g. `redis-read`, `getmany.pipeline`; `--only` matches it or its prefix before a dot. */
  readonly name: string;
  readonly title: string;
  readonly unit: Unit;
  readonly baselineLabel: string;
  readonly oursLabel: string;
  readonly baseline: Stat | null;
  readonly ours: Stat | null;
  /** Median (and spread) of the per-repeat ratios ours / baseline. */
  readonly ratio: Stat | null;
  readonly target: Target | null;
  /** Whether the target is met (null: no target, or nothing to compare). */
  readonly met: boolean | null;
  readonly notes: readonly string[];
  /** Set when the row could not run (a missing binary or package); the reason. */
  readonly skipped?: string;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = (sorted.length - 1) * p;
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (idx - lo);
}

export function stat(samples: readonly number[]): Stat {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: percentile(sorted, 0.25),
    q3: percentile(sorted, 0.75),
    n: sorted.length,
    samples: [...samples],
  };
}

export function meets(ratio: number, target: Target | null): boolean | null {
  if (target === null || !Number.isFinite(ratio)) return null;
  return target.op === ">=" ? ratio >= target.value : ratio <= target.value;
}

export interface CompareOptions {
  readonly repeats: number;
  /** Untimed runs of each side before the repeats (default 1). */
  readonly warmup?: number;
  /** Measures the baseline once; resolves to a figure in the row's unit. */
  readonly baseline: () => Promise<number>;
  /** Measures ours once; resolves to a figure in the row's unit. */
  readonly ours: () => Promise<number>;
}

export interface Comparison {
  readonly baseline: Stat;
  readonly ours: Stat;
  readonly ratio: Stat;
}

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

/** Stats of a baseline and ours sample list of the same repeats, with the per-repeat ratios. */
export function comparison(baseline: readonly number[], ours: readonly number[]): Comparison {
  const ratios = ours.map((o, i) => o / baseline[i]!);
  return { baseline: stat(baseline), ours: stat(ours), ratio: stat(ratios) };
}

/** Baseline and ours, interleaved (the order alternates per repeat so drift in machine load cancels). */
export async function compare(opts: CompareOptions): Promise<Comparison> {
  const s = await measureSides({ baseline: opts.baseline, ours: opts.ours }, opts.repeats, opts.warmup ?? 1);
  return comparison(s.baseline!, s.ours!);
}

/**
 * A full row: baseline against ours when ours is available, else the baseline alone with the reason ours
 * was not measured.
 */
export async function measureRow(
  init: RowInit,
  repeats: number,
  warmup: number,
  baseline: () => Promise<number>,
  ours: (() => Promise<number>) | string,
): Promise<RowResult> {
  if (typeof ours === "string") {
    const b = await repeat(repeats, warmup, baseline);
    return row({ ...init, notes: [...(init.notes ?? []), `ours not measured: ${ours}`] }, { baseline: b });
  }
  return row(init, await compare({ repeats, warmup, baseline, ours }));
}

/** Measures only one side (a row with no counterpart yet, or an informational figure). */
export async function repeat(times: number, warmup: number, fn: () => Promise<number>): Promise<Stat> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < times; i++) out.push(await fn());
  return stat(out);
}

export interface RowInit {
  readonly name: string;
  readonly title: string;
  readonly unit: Unit;
  readonly baselineLabel: string;
  readonly oursLabel: string;
  readonly target?: Target | null;
  readonly notes?: readonly string[];
}

export function row(init: RowInit, cmp: Partial<Comparison> | null): RowResult {
  const ratio = cmp?.ratio ?? null;
  const target = init.target ?? null;
  return {
    name: init.name,
    title: init.title,
    unit: init.unit,
    baselineLabel: init.baselineLabel,
    oursLabel: init.oursLabel,
    baseline: cmp?.baseline ?? null,
    ours: cmp?.ours ?? null,
    ratio,
    target,
    met: ratio === null ? null : meets(ratio.median, target),
    notes: init.notes ?? [],
  };
}

export function skippedRow(init: RowInit, reason: string): RowResult {
  return { ...row(init, null), skipped: reason };
}

// ---------------------------------------------------------------------------------------------------------
// Measuring primitives

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

// ---------------------------------------------------------------------------------------------------------
// Formatting

export function formatFigure(v: number | undefined, unit: Unit): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  if (unit === "ns/op") return `${v.toFixed(v < 10 ? 2 : 1)} ns`;
  if (unit === "ms") return `${v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0)} ms`;
  const suffix = unit === "ops/s" ? "ops/s" : unit === "rows/s" ? "rows/s" : "req/s";
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M ${suffix}`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k ${suffix}`;
  return `${v.toFixed(1)} ${suffix}`;
}

export function formatStat(s: Stat | null, unit: Unit): string {
  if (s === null) return "—";
  return `${formatFigure(s.median, unit)} [${formatFigure(s.min, unit)}..${formatFigure(s.max, unit)}]`;
}

export function formatRatio(s: Stat | null): string {
  if (s === null || !Number.isFinite(s.median)) return "—";
  const d = (v: number): string =>
    Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 0.1 ? v.toFixed(2) : v.toFixed(3);
  return `${d(s.median)}× [${d(s.min)}..${d(s.max)}]`;
}

export function formatTarget(t: Target | null): string {
  return t === null ? "—" : `${t.op} ${t.value}×`;
}

export function formatMet(r: RowResult): string {
  if (r.skipped !== undefined) return "skipped";
  if (r.met === null) return r.target === null ? "info" : "—";
  return r.met ? "yes" : "NO";
}

/** One block of console output per row. */
export function printRow(r: RowResult, log: (line: string) => void): void {
  log(`▸ ${r.name}: ${r.title}`);
  if (r.skipped !== undefined) {
    log(`    skipped: ${r.skipped}`);
    return;
  }
  log(`    baseline  ${r.baselineLabel}: ${formatStat(r.baseline, r.unit)}`);
  if (r.ours === null && r.oursLabel === "") {
    for (const note of r.notes) log(`    note      ${note}`);
    return;
  }
  log(`    ours      ${r.oursLabel}: ${formatStat(r.ours, r.unit)}`);
  log(
    `    ratio     ours/baseline ${formatRatio(r.ratio)}  target ${formatTarget(r.target)}  met: ${formatMet(r)}`,
  );
  for (const note of r.notes) log(`    note      ${note}`);
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
  return { a: 1000 / middle(ta), b: 1000 / middle(tb) };
}

/** The median of a non-empty list of numbers. */
function middle(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * One call in flight: `a(i)` and `b(i)` alternately (a, b, b, a, ...) `total` times each, every call timed;
 * resolves to each side's sorted latencies (ms). Both sides see the same machine load, which matters for p99.
 */
export async function pairedLatencies(
  total: number,
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  const la = new Array<number>(total);
  const lb = new Array<number>(total);
  for (let i = 0; i < total; i++) {
    const aFirst = i % 2 === 0;
    for (const isA of aFirst ? [true, false] : [false, true]) {
      const t0 = performance.now();
      await (isA ? a(i) : b(i));
      const dt = performance.now() - t0;
      if (isA) la[i] = dt;
      else lb[i] = dt;
    }
  }
  return { a: la.sort((x, y) => x - y), b: lb.sort((x, y) => x - y) };
}
