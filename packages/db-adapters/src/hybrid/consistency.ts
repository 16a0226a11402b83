import type { DataSourceAdapter, LedgerEntry, Position } from "@qts/contracts";
import { compareStrings } from "../common/index.js";
import { copyPosition, fetchAllLedger, ledgerKey, multisetMinus, samePosition } from "./content.js";

/** A symbol whose position differs (qty or avgPrice), or exists in one store only (null on the other side). */
export interface PositionDifference {
  readonly symbol: string;
  readonly primary: Position | null;
  readonly secondary: Position | null;
}

/** Differences between two stores; ledger entries are matched by content (`ledgerKey`), never by id. */
export interface ConsistencyReport {
  readonly consistent: boolean;
  readonly positions: readonly PositionDifference[];
  readonly ledger: {
    /** In the primary, not in the secondary (as many times as they are missing). */
    readonly missingInSecondary: readonly LedgerEntry[];
    /** In the secondary, not in the primary. */
    readonly extraInSecondary: readonly LedgerEntry[];
  };
}

/** Compares positions and the whole ledger of two stores. */
export async function compareStores(
  primary: DataSourceAdapter,
  secondary: DataSourceAdapter,
): Promise<ConsistencyReport> {
  const [pp, sp, pl, sl] = await Promise.all([
    primary.fetchPositions(),
    secondary.fetchPositions(),
    fetchAllLedger(primary),
    fetchAllLedger(secondary),
  ]);
  const bySymbol = new Map<string, { primary: Position | null; secondary: Position | null }>();
  for (const p of pp) bySymbol.set(p.symbol, { primary: p, secondary: null });
  for (const s of sp)
    bySymbol.set(s.symbol, { primary: bySymbol.get(s.symbol)?.primary ?? null, secondary: s });
  const positions = [...bySymbol.entries()]
    .filter(([, v]) => !samePosition(v.primary, v.secondary))
    .map(([symbol, v]) => Object.freeze({ symbol, ...v }))
    .sort((a, b) => compareStrings(a.symbol, b.symbol));
  const missingInSecondary = multisetMinus(pl, sl, ledgerKey);
  const extraInSecondary = multisetMinus(sl, pl, ledgerKey);
  return Object.freeze({
    consistent: positions.length === 0 && missingInSecondary.length === 0 && extraInSecondary.length === 0,
    positions: Object.freeze(positions),
    ledger: Object.freeze({
      missingInSecondary: Object.freeze(missingInSecondary),
      extraInSecondary: Object.freeze(extraInSecondary),
    }),
  });
}

export interface RepairReport {
  /** Positions written to the secondary (missing there, or different). */
  readonly positionsWritten: number;
  /** Ledger entries appended to the secondary (oldest first). */
  readonly ledgerAppended: number;
  /**
   * What repair cannot undo through the `DataSourceAdapter` interface (it has no delete): positions that
   * exist only in the secondary and ledger entries only the secondary has. Empty after a full repair.
   */
  readonly unrepairable: {
    readonly positions: readonly string[];
    readonly ledger: readonly LedgerEntry[];
  };
}

/** Makes `secondary` match `primary` for positions and the ledger (copies the primary's truth). */
export async function repairStores(
  primary: DataSourceAdapter,
  secondary: DataSourceAdapter,
): Promise<RepairReport> {
  const diff = await compareStores(primary, secondary);
  let positionsWritten = 0;
  const extraPositions: string[] = [];
  for (const d of diff.positions) {
    if (d.primary) {
      await copyPosition(secondary, d.primary);
      positionsWritten++;
    } else extraPositions.push(d.symbol);
  }
  const missing = [...diff.ledger.missingInSecondary].sort(
    (a, b) => a.timestamp.getTime() - b.timestamp.getTime() || (a.id ?? 0) - (b.id ?? 0),
  );
  for (const e of missing) await secondary.appendLedger(e);
  return Object.freeze({
    positionsWritten,
    ledgerAppended: missing.length,
    unrepairable: Object.freeze({
      positions: Object.freeze(extraPositions),
      ledger: diff.ledger.extraInSecondary,
    }),
  });
}
