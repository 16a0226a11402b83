import type { Comparison, Stat } from "./stats.js";

/**
 * One result row of `qts bench`: baseline and ours of a figure, their ratio and the target it is compared
 * with — a boolean for the report, never an assertion.
 */

export type Unit = "ops/s" | "rows/s" | "req/s" | "ns/op" | "ms";

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
  /** Set when the row could not run (a missing binary, a failed benchmark); the reason. */
  readonly skipped?: string;
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

export function meets(ratio: number, target: Target | null): boolean | null {
  if (target === null || !Number.isFinite(ratio)) return null;
  return target.op === ">=" ? ratio >= target.value : ratio <= target.value;
}

/** A row from its description and what was measured (a baseline alone is an informational row). */
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
