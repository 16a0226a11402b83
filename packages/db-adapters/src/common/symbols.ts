import { compareStrings } from "./records.js";

/** The symbols a store holds, per record kind, each list distinct and in code-unit order. */
export interface StoreSymbols {
  readonly positions: readonly string[];
  readonly ledger: readonly string[];
  readonly bars: readonly string[];
  readonly ticks: readonly string[];
}

/** A store that can list its symbols (the `DataSourceAdapter` interface cannot): used by `syncDataSources`. */
export interface SymbolLister {
  listSymbols(): Promise<StoreSymbols>;
}

/** Builds a `StoreSymbols` from the symbols seen per kind (duplicates dropped, code-unit order, frozen). */
export function storeSymbols(seen: { [K in keyof StoreSymbols]: Iterable<string> }): StoreSymbols {
  const list = (symbols: Iterable<string>) => Object.freeze([...new Set(symbols)].sort(compareStrings));
  return Object.freeze({
    positions: list(seen.positions),
    ledger: list(seen.ledger),
    bars: list(seen.bars),
    ticks: list(seen.ticks),
  });
}
