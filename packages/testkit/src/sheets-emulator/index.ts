export { A1Error, type A1Range, columnIndex, columnLetters, formatA1, parseA1, quoteTab } from "./a1.js";
export { type Cell, type JsonCell, parseInput, SheetsApiError } from "./model.js";
export type { SheetsMethod } from "./routes.js";
export {
  type FailureRule,
  type InjectedStatus,
  type RequestLogEntry,
  type SheetsEmulator,
  type StartSheetsEmulatorOptions,
  startSheetsEmulator,
} from "./server.js";
