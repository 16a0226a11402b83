import {
  type Interval,
  LEDGER_FIELDS,
  type LedgerEntry,
  ledgerEntryFromHash,
  ledgerEntryToHash,
  type OHLCV,
  OHLCV_FIELDS,
  ohlcvFromHash,
  ohlcvToHash,
  POSITION_FIELDS,
  type Position,
  positionFromHash,
  positionToHash,
  type SheetsTabs,
  type StringHash,
  TICK_FIELDS,
  type TickData,
  tickFromHash,
  tickToHash,
  ValidationError,
  validateInterval,
} from "@qts/contracts";
import type { SheetRow } from "./invalid-rows.js";

/** Record kinds, one tab each. */
export type TabKind = keyof SheetsTabs;
export const TAB_KINDS: readonly TabKind[] = Object.freeze(["positions", "ledger", "ohlcv", "ticks"]);

/** Header row of each tab: the codec field order; the ohlcv tab adds an `interval` column at the end. */
export const TAB_HEADERS: Readonly<Record<TabKind, readonly string[]>> = Object.freeze({
  positions: POSITION_FIELDS,
  ledger: LEDGER_FIELDS,
  ohlcv: Object.freeze([...OHLCV_FIELDS, "interval"]),
  ticks: TICK_FIELDS,
});

/** A cell as the API returns it with UNFORMATTED_VALUE. */
export type ApiCell = string | number | boolean | null | undefined;

/** `A`..`Z` for a 0-based column index (the tabs have at most 11 columns). */
export function columnLetter(index: number): string {
  return String.fromCharCode(65 + index);
}

/** `'tab name'!A2:K` — tab names are always quoted, with `'` doubled. */
export function tabRange(tab: string, cells: string): string {
  return `'${tab.replace(/'/g, "''")}'!${cells}`;
}

/** Every column of a tab's layout, e.g. `A:J` for positions. */
export function fullColumns(kind: TabKind): string {
  return `A:${columnLetter(TAB_HEADERS[kind].length - 1)}`;
}

/** Data rows of a tab: from row 2, every column of the layout. */
export function dataRange(kind: TabKind, tab: string): string {
  return tabRange(tab, `A2:${columnLetter(TAB_HEADERS[kind].length - 1)}`);
}

/** A cell as text: numbers a human typed come back as numbers with UNFORMATTED_VALUE. */
export function cellText(cell: ApiCell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "boolean") return cell ? "TRUE" : "FALSE";
  return String(cell);
}

export function rowToHash(kind: TabKind, row: readonly ApiCell[]): StringHash {
  const hash: StringHash = {};
  TAB_HEADERS[kind].forEach((name, i) => {
    hash[name] = cellText(row[i]);
  });
  return hash;
}

export function isBlankRow(row: readonly ApiCell[] | undefined): boolean {
  return !row || row.every((c) => cellText(c) === "");
}

function hashToRow(kind: TabKind, hash: StringHash): string[] {
  return TAB_HEADERS[kind].map((name) => hash[name] ?? "");
}

export const positionRow = (p: Position): string[] => hashToRow("positions", positionToHash(p));
export const ledgerRow = (e: LedgerEntry): string[] => hashToRow("ledger", ledgerEntryToHash(e));
export const ohlcvRow = (b: OHLCV, interval: Interval): string[] =>
  hashToRow("ohlcv", { ...ohlcvToHash(b), interval });
export const tickRow = (t: TickData): string[] => hashToRow("ticks", tickToHash(t));

export const parsePosition = (row: readonly ApiCell[]): Position =>
  positionFromHash(rowToHash("positions", row));

/** A stored ledger row must carry its id (the adapter assigns ids; a row without one is reported). */
export function parseLedger(row: readonly ApiCell[]): LedgerEntry {
  const hash = rowToHash("ledger", row);
  if (hash.id === "") throw new ValidationError("id", "", "is missing (every stored ledger row needs an id)");
  return ledgerEntryFromHash(hash);
}

export function parseOhlcv(row: readonly ApiCell[]): { bar: OHLCV; interval: Interval } {
  const hash = rowToHash("ohlcv", row);
  return { bar: ohlcvFromHash(hash), interval: validateInterval(hash.interval) };
}

export const parseTick = (row: readonly ApiCell[]): TickData => tickFromHash(rowToHash("ticks", row));

export const SYMBOL_COLUMN: Readonly<Record<TabKind, number>> = {
  positions: 0,
  ledger: 2,
  ohlcv: 1,
  ticks: 1,
};
export const PARSERS: Readonly<Record<TabKind, (cells: readonly ApiCell[]) => unknown>> = {
  positions: parsePosition,
  ledger: parseLedger,
  ohlcv: parseOhlcv,
  ticks: parseTick,
};

/** Data rows (sheet row 2 on) with their row numbers, fully blank rows dropped. */
export function toSheetRows(rows: readonly (readonly ApiCell[])[]): SheetRow[] {
  const out: SheetRow[] = [];
  rows.forEach((cells, i) => {
    if (!isBlankRow(cells)) out.push({ row: i + 2, cells });
  });
  return out;
}
