import { CliError } from "../cli/errors.js";
import type { Io } from "../cli/io.js";

interface BenchModule {
  runBench(argv: string[]): Promise<number>;
}

/**
 * `qts bench`: hands every flag to `runBench(argv)` of apps/integration/bench (compiled to dist/bench).
 * The specifier is a variable so this package compiles whether or not the bench module exists yet.
 */
export async function runBenchVerb(argv: string[], _io: Io): Promise<number> {
  const specifier = new URL("../../bench/index.js", import.meta.url).href;
  let mod: Partial<BenchModule>;
  try {
    mod = (await import(specifier)) as Partial<BenchModule>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((err as Error).message).includes("bench/index.js")) {
      throw new CliError(
        "benchmarks not found",
        "apps/integration/dist/bench/index.js does not exist",
        "build them with `pnpm --filter @qts/integration build` (or `pnpm qts bench`, which builds first)",
      );
    }
    throw err;
  }
  if (typeof mod.runBench !== "function") {
    throw new CliError(
      "benchmarks not usable",
      "bench/index.js exports no runBench(argv)",
      "rebuild the package",
    );
  }
  return mod.runBench(argv);
}
