import { DataSourceError, ValidationError, validateSymbol } from "@qts/contracts";
import { type ApiCell, cellText } from "./layout.js";

/** A stored row the adapter could not decode: reads that depend on it reject, health reports it. */
export interface SheetsRowWarning {
  readonly tab: string;
  /** 1-based row number as the spreadsheet shows it. */
  readonly row: number;
  readonly message: string;
  readonly cells: readonly string[];
}

/** An undecodable row and the symbol it belongs to (null when its symbol cell is unreadable too). */
export interface BadRow extends SheetsRowWarning {
  readonly symbol: string | null;
}

/** A data row of a tab with its 1-based row number. */
export interface SheetRow {
  readonly row: number;
  readonly cells: readonly ApiCell[];
}

/** What a tab decodes to: every readable record with its row, and every unreadable row. */
export interface DecodedTab<T> {
  readonly records: readonly { readonly row: number; readonly value: T }[];
  readonly bad: readonly BadRow[];
}

/** Decodes every row; a row that fails validation becomes a `BadRow` (never skipped silently, never zeros). */
export function decodeRows<T>(
  tab: string,
  rows: readonly SheetRow[],
  symbolColumn: number,
  parse: (cells: readonly ApiCell[]) => T,
): { records: { row: number; value: T }[]; bad: BadRow[] } {
  const records: { row: number; value: T }[] = [];
  const bad: BadRow[] = [];
  for (const { row, cells } of rows) {
    try {
      records.push({ row, value: parse(cells) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      bad.push({
        tab,
        row,
        message: error.message,
        cells: cells.map(cellText),
        symbol: symbolOf(cells[symbolColumn]),
      });
    }
  }
  return { records, bad };
}

function symbolOf(cell: ApiCell): string | null {
  try {
    return validateSymbol(cellText(cell));
  } catch {
    return null;
  }
}

/** The bad rows a read of `symbol` depends on (its own and those whose symbol is unreadable); null: all. */
export function affecting(bad: readonly BadRow[], symbol: string | null): BadRow[] {
  return symbol === null ? [...bad] : bad.filter((b) => b.symbol === null || b.symbol === symbol);
}

const MAX_DETAILED = 10;

/** `tab "positions" row 4 (Invalid qty ...), row 7 (...)`: every row number, the first reasons. */
export function describeBadRows(bad: readonly BadRow[]): string {
  const byTab = new Map<string, BadRow[]>();
  for (const b of bad) byTab.set(b.tab, [...(byTab.get(b.tab) ?? []), b]);
  let detailed = 0;
  return [...byTab]
    .map(([tab, rows]) => {
      const parts = rows.map((b) =>
        detailed++ < MAX_DETAILED ? `row ${b.row} (${b.message})` : `row ${b.row}`,
      );
      return `tab "${tab}" ${parts.join(", ")}`;
    })
    .join("; ");
}

/** The error a read rejects with when rows it depends on cannot be read. */
export function badRowsError(source: string, what: string, bad: readonly BadRow[]): DataSourceError {
  return new DataSourceError(
    `${source}: ${what}: ${bad.length} row(s) cannot be read, fix or clear them in the spreadsheet: ${describeBadRows(bad)}`,
    { source },
  );
}

const MAX_TRACKED = 10_000;

/** Reports each distinct bad row once to the warning callback (bounded memory). */
export class InvalidRowReporter {
  readonly #seen = new Set<string>();

  constructor(readonly onWarning: (w: SheetsRowWarning) => void) {}

  report(bad: readonly BadRow[]): void {
    for (const b of bad) {
      const key = `${b.tab}\u0000${b.row}\u0000${b.cells.join("\u0000")}`;
      if (this.#seen.has(key)) continue;
      if (this.#seen.size >= MAX_TRACKED) {
        const oldest = this.#seen.values().next().value;
        if (oldest !== undefined) this.#seen.delete(oldest);
      }
      this.#seen.add(key);
      try {
        this.onWarning({ tab: b.tab, row: b.row, message: b.message, cells: b.cells });
      } catch {
        // A throwing warning callback must not break reads.
      }
    }
  }
}

/** Ledger rows that share an id: each is a bad row (two rows with one id are one trade to repair, never two). */
export function duplicateIds<T extends { id: number | null; symbol: string }>(
  tab: string,
  records: readonly { row: number; value: T }[],
  cellsOf: (row: number) => readonly ApiCell[],
): BadRow[] {
  const rowsById = new Map<number, number[]>();
  for (const { row, value } of records)
    if (value.id !== null) rowsById.set(value.id, [...(rowsById.get(value.id) ?? []), row]);
  const bad: BadRow[] = [];
  for (const r of records) {
    const rows = r.value.id === null ? [] : (rowsById.get(r.value.id) ?? []);
    if (rows.length < 2) continue;
    bad.push({
      tab,
      row: r.row,
      symbol: r.value.symbol,
      message: `ledger id ${r.value.id} appears in rows ${rows.join(", ")}: delete the duplicate row(s)`,
      cells: cellsOf(r.row).map(cellText),
    });
  }
  return bad;
}
