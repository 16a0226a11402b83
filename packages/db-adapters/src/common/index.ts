/** What the adapters share. Internal: not exported from the package. */

export { barsInRange, barsWithAggregation, selectLedger, ticksInRange } from "./in-process.js";
export { assertOpen, chunks, compareStrings, validateAll } from "./records.js";
export { type StoreSymbols, type SymbolLister, storeSymbols } from "./symbols.js";
