import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { errorMessage } from "@qts/contracts/internal";
import { type BenchDef, createContext } from "./context.js";
import { printRow } from "./format.js";
import { type BenchReport, machineInfo, writeReport } from "./report.js";
import { type RowResult, skippedRow } from "./row.js";
import { ALL_BENCHES } from "./rows/index.js";

export type { BenchContext, BenchDef } from "./context.js";
export type { BenchReport } from "./report.js";
export type { RowInit, RowResult, Target, Unit } from "./row.js";
export { ALL_BENCHES } from "./rows/index.js";
export { type Comparison, comparison, percentile, type Stat, stat } from "./stats.js";

const USAGE = `usage: qts bench [--quick] [--only <name>[,<name>...]] [--out <dir>] [--list]

Measures the hot paths against baselines in the same run and writes
apps/bench/results/latest.json and latest.md. Targets are reported, never enforced.

  --quick        smaller sizes and fewer repeats (the whole run in under two minutes)
  --only NAME    run only these benchmarks (see --list); a row id like getmany.pipeline selects getmany
  --out DIR      write the results there instead of apps/bench/results
  --list         print the benchmark names and exit

Services: QTS_TEST_REDIS_URL / QTS_TEST_PG_URL when set, otherwise private throwaway
redis-server and PostgreSQL instances (stopped at the end).`;

/** apps/bench/results, from apps/bench/dist/index.js. */
const DEFAULT_OUT = fileURLToPath(new URL("../results/", import.meta.url));

function select(only: readonly string[]): BenchDef[] | string {
  if (only.length === 0) return [...ALL_BENCHES];
  const wanted = only.flatMap((o) => o.split(",")).map((o) => o.trim().split(".")[0]!);
  const unknown = wanted.filter((w) => !ALL_BENCHES.some((b) => b.name === w));
  if (unknown.length > 0) return `unknown benchmark(s): ${unknown.join(", ")}`;
  return ALL_BENCHES.filter((b) => wanted.includes(b.name));
}

/** Entry point of `qts bench [args]`; resolves to the process exit code (missed targets do not fail it). */
export async function runBench(argv: string[]): Promise<number> {
  let values: { quick?: boolean; only?: string[]; out?: string; list?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean" },
        only: { type: "string", multiple: true },
        out: { type: "string" },
        list: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${errorMessage(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  if (values.list === true) {
    for (const b of ALL_BENCHES) console.log(`${b.name.padEnd(14)} ${b.title}`);
    return 0;
  }
  const benches = select(values.only ?? []);
  if (typeof benches === "string") {
    console.error(`${benches}\n\n${USAGE}`);
    return 2;
  }
  const quick = values.quick === true;
  const log = (line: string): void => console.log(line);
  const started = new Date();
  log(`qts bench (${quick ? "quick" : "full"}) — Node ${process.version}, ${machineInfo().cpus} cpus`);
  const ctx = createContext(quick, log);
  const rows: RowResult[] = [];
  let failed = false;
  try {
    for (const bench of benches) {
      const t0 = performance.now();
      log(`\n■ ${bench.name} — ${bench.title}`);
      let out: RowResult[];
      try {
        out = await bench.run(ctx);
      } catch (error) {
        failed = true;
        const msg = errorMessage(error);
        log(`  failed: ${msg}`);
        out = [
          skippedRow(
            { name: bench.name, title: bench.title, unit: "ms", baselineLabel: "", oursLabel: "" },
            `failed: ${msg}`,
          ),
        ];
      }
      for (const r of out) printRow(r, log);
      rows.push(...out);
      log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await ctx.dispose();
  }
  const report: BenchReport = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    machine: machineInfo(),
    rows,
  };
  const files = writeReport(values.out ?? DEFAULT_OUT, report);
  const missed = rows.filter((r) => r.met === false).map((r) => r.name);
  log(`\nwrote ${files.json} and ${files.md}`);
  log(
    `${rows.length} rows in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s; ` +
      `targets missed: ${missed.length === 0 ? "none" : missed.join(", ")}`,
  );
  return failed ? 1 : 0;
}
