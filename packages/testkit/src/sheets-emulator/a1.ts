/**
 * A1 notation as the Sheets v4 API takes it: `Sheet1`, `'my tab'!A1:K`, `ledger!A2:A`, `ticks!A:G`, `pos!3:5`.
 * Rows and columns here are 0-based; `endRow`/`endCol` are exclusive, `null` = open-ended (to the grid edge).
 */
export interface A1Range {
  readonly tab: string | null;
  readonly startRow: number;
  readonly endRow: number | null;
  readonly startCol: number;
  readonly endCol: number | null;
}

export class A1Error extends Error {}

/** `A` → 0, `Z` → 25, `AA` → 26. */
export function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** 0 → `A`, 26 → `AA`. */
export function columnLetters(index: number): string {
  let n = index + 1;
  let out = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

const CELL = /^([A-Za-z]{0,3})(\d*)$/;

function splitTab(text: string): { tab: string | null; cells: string } {
  if (text.startsWith("'")) {
    let i = 1;
    let tab = "";
    while (i < text.length) {
      const ch = text[i];
      if (ch === "'") {
        if (text[i + 1] === "'") {
          tab += "'";
          i += 2;
          continue;
        }
        break;
      }
      tab += ch;
      i++;
    }
    if (i >= text.length) throw new A1Error(`Unable to parse range: ${text}`);
    const rest = text.slice(i + 1);
    if (rest === "") return { tab, cells: "" };
    if (!rest.startsWith("!")) throw new A1Error(`Unable to parse range: ${text}`);
    return { tab, cells: rest.slice(1) };
  }
  const bang = text.lastIndexOf("!");
  if (bang === -1) {
    // Either a bare tab name or bare cells (`A1:B2`); a bare name that looks like cells is treated as cells.
    return CELL.test(text.split(":")[0] ?? "") && /\d|:/.test(text)
      ? { tab: null, cells: text }
      : { tab: text, cells: "" };
  }
  return { tab: text.slice(0, bang), cells: text.slice(bang + 1) };
}

function parseCell(part: string, whole: string): { col: number | null; row: number | null } {
  const m = CELL.exec(part);
  if (!m || part === "") throw new A1Error(`Unable to parse range: ${whole}`);
  const col = m[1] ? columnIndex(m[1]) : null;
  const row = m[2] ? Number(m[2]) - 1 : null;
  if (row !== null && row < 0) throw new A1Error(`Unable to parse range: ${whole}`);
  return { col, row };
}

export function parseA1(text: string): A1Range {
  const whole = text.trim();
  if (whole === "") throw new A1Error("Unable to parse range: ");
  const { tab, cells } = splitTab(whole);
  if (cells === "") return { tab, startRow: 0, endRow: null, startCol: 0, endCol: null };
  const [a, b, extra] = cells.split(":");
  if (extra !== undefined || a === undefined) throw new A1Error(`Unable to parse range: ${whole}`);
  const first = parseCell(a, whole);
  if (b === undefined) {
    if (first.col === null || first.row === null) throw new A1Error(`Unable to parse range: ${whole}`);
    return { tab, startRow: first.row, endRow: first.row + 1, startCol: first.col, endCol: first.col + 1 };
  }
  const second = parseCell(b, whole);
  const startRow = first.row ?? 0;
  const startCol = first.col ?? 0;
  const endRow = second.row === null ? null : second.row + 1;
  const endCol = second.col === null ? null : second.col + 1;
  if ((endRow !== null && endRow <= startRow) || (endCol !== null && endCol <= startCol)) {
    throw new A1Error(`Unable to parse range: ${whole}`);
  }
  return { tab, startRow, endRow, startCol, endCol };
}

/** Quotes a tab name the way the API echoes it: plain when it is a simple identifier, else `'...'`. */
export function quoteTab(tab: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(tab) && !CELL_LIKE.test(tab) ? tab : `'${tab.replace(/'/g, "''")}'`;
}

const CELL_LIKE = /^[A-Za-z]{1,3}\d+$/;

/** `tab!A1:K10` for 0-based inclusive-start, exclusive-end bounds. */
export function formatA1(
  tab: string,
  startRow: number,
  endRow: number,
  startCol: number,
  endCol: number,
): string {
  const from = `${columnLetters(startCol)}${startRow + 1}`;
  const to = `${columnLetters(endCol - 1)}${endRow}`;
  return `${quoteTab(tab)}!${from === to ? from : `${from}:${to}`}`;
}
