/** Programmatic entry points of the `qts` command line (used by tests and scripts). */

export { formatError, redactText } from "./cli/errors.js";
export type { Io } from "./cli/io.js";
export { Progress, type ProgressOptions } from "./cli/progress.js";
export { runCli } from "./cli/run.js";
export { percentile, Samples } from "./replay/stats.js";
export type { ReplaySummary, StoreInfo } from "./replay/summary.js";
export { csvSession, parseTicksCsv, TICKS_CSV_HEADER, TicksFileError } from "./session/csv.js";
export { type SyntheticOptions, symbolNames, syntheticSession } from "./session/synthetic.js";
export type { Fill, MinuteBatch, Session } from "./session/types.js";
