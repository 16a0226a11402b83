import type { Io } from "../cli/io.js";

/**
 * `qts bench`: hands every flag to `runBench(argv)` of `@qts/bench` (apps/bench), loaded only when the verb
 * runs so the other verbs never load the benchmarks' baseline libraries.
 */
export async function runBenchVerb(argv: string[], _io: Io): Promise<number> {
  const { runBench } = await import("@qts/bench");
  return runBench(argv);
}
