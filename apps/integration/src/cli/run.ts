import { exitCodeOf, formatError, formatVerbose, UsageError } from "./errors.js";
import { helpFor } from "./help.js";
import { type Io, println, processIo } from "./io.js";

type Verb = (argv: string[], io: Io) => Promise<number>;

/** Each verb is loaded when used, so one verb's dependencies never stop another from starting. */
const VERBS: Record<string, () => Promise<Verb>> = {
  replay: async () => (await import("../verbs/replay.js")).runReplayVerb,
  health: async () => (await import("../verbs/health.js")).runHealth,
  migrate: async () => (await import("../verbs/migrate.js")).runMigrate,
  sync: async () => (await import("../verbs/sync.js")).runSync,
  bench: async () => (await import("../verbs/bench.js")).runBenchVerb,
};

/** Runs `qts <argv>` and resolves to the exit code. Never throws: errors become one line on stderr. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const args = [...argv];
  const verbose = args.includes("--verbose") || args.includes("-v");
  const first = args[0];
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? (args[1] ?? "") : "";
    println(io.stdout, helpFor(topic in VERBS ? topic : ""));
    return 0;
  }
  if (first === "--version") {
    println(io.stdout, "qts 0.1.0");
    return 0;
  }
  const load = VERBS[first];
  if (load === undefined) {
    const err = new UsageError(
      `unknown command ${JSON.stringify(first)} (commands: ${Object.keys(VERBS).join(", ")})`,
    );
    println(io.stderr, formatError(err, ""));
    return 2;
  }
  const rest = args.slice(1);
  if (first !== "bench" && (rest.includes("--help") || rest.includes("-h"))) {
    println(io.stdout, helpFor(first));
    return 0;
  }
  try {
    const verb = await load();
    return await verb(rest, io);
  } catch (err) {
    println(io.stderr, formatError(err, first));
    if (verbose) println(io.stderr, formatVerbose(err));
    return exitCodeOf(err);
  }
}
