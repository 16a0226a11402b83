import type { DataSourceAdapter, LedgerEntry } from "@qts/contracts";
import { copyPosition } from "./content.js";
import { diffStores } from "./diff.js";

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
  const diff = await diffStores(primary, secondary);
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
