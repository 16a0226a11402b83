/** What the adapters share. Internal: not exported from the package. */

export type { StoreSymbols, SymbolLister } from "@qts/contracts";
export { chunks } from "@qts/contracts";
export { bookedFillResult } from "./fills.js";
export { barsInRange, barsWithAggregation, selectLedger, ticksInRange } from "./in-process.js";
export { assertOpen, compareStrings, validateAll } from "./records.js";
export { storeSymbols } from "./symbols.js";
