import type { RowResult, Target, Unit } from "./row.js";
import type { Stat } from "./stats.js";

/** Formatting of figures and rows for the console (`printRow`) and the markdown report (report.ts). */

export function formatFigure(v: number | undefined, unit: Unit): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  if (unit === "ns/op") return `${v.toFixed(v < 10 ? 2 : 1)} ns`;
  if (unit === "ms") return `${v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0)} ms`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M ${unit}`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k ${unit}`;
  return `${v.toFixed(1)} ${unit}`;
}

/** `median [min..max]` of a stat in the row's unit. */
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
