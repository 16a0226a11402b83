import type { StoreSymbols } from "@qts/contracts";
import { compareStrings } from "./records.js";

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
