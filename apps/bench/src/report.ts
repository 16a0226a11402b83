import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { formatMet, formatRatio, formatStat, formatTarget } from "./format.js";
import type { RowResult } from "./row.js";

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mode: "quick" | "full";
  readonly machine: { node: string; platform: string; cpus: number; cpuModel: string };
  readonly rows: readonly RowResult[];
}

export function machineInfo(): BenchReport["machine"] {
  const list = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: list.length,
    cpuModel: list[0]?.model ?? "unknown",
  };
}

function cell(s: string): string {
  return s.replaceAll("|", "\\|");
}

export function markdownTable(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `# qts bench (${report.mode}) — ${report.startedAt}`,
    "",
    `Node ${m.node}, ${m.platform}, ${m.cpus} × ${m.cpuModel}. Figures: median [min..max] of the repeats; ` +
      "ratio = ours / baseline per repeat (median [min..max]).",
    "",
    "| row | baseline | ours | ratio | target | met |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of report.rows) {
    const fig = (s: RowResult["baseline"], label: string): string =>
      s === null ? "—" : `${label}: ${formatStat(s, r.unit)}`;
    lines.push(
      `| ${cell(r.name)} | ${cell(fig(r.baseline, r.baselineLabel))} | ${cell(fig(r.ours, r.oursLabel))} | ` +
        `${formatRatio(r.ratio)} | ${formatTarget(r.target)} | ${formatMet(r)} |`,
    );
  }
  const noted = report.rows.filter((r) => r.notes.length > 0 || r.skipped !== undefined);
  if (noted.length > 0) {
    lines.push("", "## Notes", "");
    for (const r of noted) {
      if (r.skipped !== undefined) lines.push(`- **${r.name}** skipped: ${r.skipped}`);
      for (const n of r.notes) lines.push(`- **${r.name}**: ${n}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function writeReport(dir: string, report: BenchReport): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, "latest.json");
  const md = join(dir, "latest.md");
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, markdownTable(report));
  return { json, md };
}
