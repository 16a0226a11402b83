import { describe, expect, it } from "vitest";
import { formatFigure, formatRatio, formatTarget, printRow } from "../src/format.js";
import { ALL_BENCHES, runBench } from "../src/index.js";
import { row, skippedRow } from "../src/row.js";
import { comparison } from "../src/stats.js";

const init = {
  name: "demo.p99",
  title: "demo",
  unit: "ms",
  baselineLabel: "base",
  oursLabel: "ours",
  target: { op: "<=", value: 1.2 },
} as const;

describe("rows", () => {
  it("meets a target by the median ratio, and says so when printed", () => {
    const met = row(init, comparison([10, 10, 10], [11, 12, 30]));
    expect(met.ratio?.median).toBeCloseTo(1.2);
    expect(met.met).toBe(true);
    const missed = row(init, comparison([10, 10, 10], [13, 13, 13]));
    expect(missed.met).toBe(false);
    const lines: string[] = [];
    printRow(missed, (l) => lines.push(l));
    expect(lines[0]).toBe("▸ demo.p99: demo");
    expect(lines[2]).toBe("    ours      ours: 13.00 ms [13.00 ms..13.00 ms]");
    expect(lines[3]).toContain("target <= 1.2×  met: NO");
  });

  it("a baseline alone is informational; a skipped row carries its reason", () => {
    expect(row(init, null).met).toBeNull();
    const s = skippedRow(init, "psql is not on PATH");
    const lines: string[] = [];
    printRow(s, (l) => lines.push(l));
    expect(lines).toEqual(["▸ demo.p99: demo", "    skipped: psql is not on PATH"]);
  });

  it("formats figures in the row's unit", () => {
    expect(formatFigure(1_234_567, "ops/s")).toBe("1.23M ops/s");
    expect(formatFigure(12_345, "rows/s")).toBe("12.3k rows/s");
    expect(formatFigure(0.1234, "ms")).toBe("0.123 ms");
    expect(formatFigure(3.456, "ns/op")).toBe("3.46 ns");
    expect(formatFigure(Number.NaN, "ms")).toBe("—");
    expect(formatRatio(null)).toBe("—");
    expect(formatTarget(null)).toBe("—");
  });
});

describe("the registry and runBench", () => {
  it("has unique benchmark names", () => {
    const names = ALL_BENCHES.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain("redis-read");
  });

  it("refuses an unknown benchmark or flag with exit code 2, nothing measured", async () => {
    expect(await runBench(["--only", "no-such-row"])).toBe(2);
    expect(await runBench(["--frobnicate"])).toBe(2);
  });
});
