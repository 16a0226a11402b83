import { A1Error, type A1Range, formatA1, parseA1, quoteTab } from "./a1.js";

/** A stored cell: a string, number or boolean as entered, or a formula (only USER_ENTERED input makes one). */
export type Cell = string | number | boolean | { readonly formula: string };

export type ValueInputOption = "RAW" | "USER_ENTERED";
export type ValueRenderOption = "FORMATTED_VALUE" | "UNFORMATTED_VALUE" | "FORMULA";
export type MajorDimension = "ROWS" | "COLUMNS";
export type JsonCell = string | number | boolean | null;

/** An API error with Google's `{ error: { code, message, status } }` shape. */
export class SheetsApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

export const DEFAULT_ROW_COUNT = 1000;
export const DEFAULT_COLUMN_COUNT = 26;

export interface Sheet {
  sheetId: number;
  title: string;
  index: number;
  rowCount: number;
  columnCount: number;
  /** Sparse rows of cells; `undefined` = empty. */
  rows: (Cell | undefined)[][];
}

export interface Spreadsheet {
  spreadsheetId: string;
  title: string;
  sheets: Sheet[];
  nextSheetId: number;
}

export interface ValueRange {
  range: string;
  majorDimension: MajorDimension;
  values?: JsonCell[][];
}

function badRequest(message: string): SheetsApiError {
  return new SheetsApiError(400, "INVALID_ARGUMENT", message);
}

function isEmpty(cell: Cell | undefined): boolean {
  return cell === undefined;
}

/** Parses one input value the way the API does for the given input option. */
export function parseInput(value: JsonCell, option: ValueInputOption): Cell | undefined {
  if (value === null || value === "") return undefined;
  if (option === "RAW" || typeof value !== "string") return value;
  if (value.startsWith("'")) return value.slice(1);
  if (value.startsWith("=")) return { formula: value };
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim())) return Number(value);
  if (/^(true|false)$/i.test(value)) return value.toUpperCase() === "TRUE";
  return value;
}

function render(cell: Cell | undefined, option: ValueRenderOption): JsonCell {
  if (cell === undefined) return "";
  if (typeof cell === "object") return option === "FORMULA" ? cell.formula : "#ERROR!";
  if (option === "FORMATTED_VALUE") {
    if (typeof cell === "boolean") return cell ? "TRUE" : "FALSE";
    return String(cell);
  }
  return cell;
}

/** In-memory spreadsheets with the Sheets v4 semantics the adapter relies on. */
export class SheetsModel {
  readonly spreadsheets = new Map<string, Spreadsheet>();
  #counter = 0;

  create(
    title = "Untitled spreadsheet",
    tabs: readonly string[] = ["Sheet1"],
    spreadsheetId?: string,
  ): Spreadsheet {
    const id = spreadsheetId ?? `emu-${Date.now().toString(36)}-${(++this.#counter).toString(36)}`;
    if (this.spreadsheets.has(id)) throw badRequest(`Spreadsheet ${id} already exists`);
    const book: Spreadsheet = { spreadsheetId: id, title, sheets: [], nextSheetId: 0 };
    this.spreadsheets.set(id, book);
    for (const tab of tabs) this.addSheet(id, { title: tab });
    return book;
  }

  get(spreadsheetId: string): Spreadsheet {
    const book = this.spreadsheets.get(spreadsheetId);
    if (!book) throw new SheetsApiError(404, "NOT_FOUND", "Requested entity was not found.");
    return book;
  }

  resource(spreadsheetId: string): unknown {
    const book = this.get(spreadsheetId);
    return {
      spreadsheetId: book.spreadsheetId,
      properties: { title: book.title, locale: "en_US", timeZone: "Etc/GMT" },
      sheets: book.sheets.map((s) => ({ properties: sheetProperties(s) })),
      spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${book.spreadsheetId}/edit`,
    };
  }

  addSheet(
    spreadsheetId: string,
    props: { title?: string; sheetId?: number; gridProperties?: { rowCount?: number; columnCount?: number } },
  ): Sheet {
    const book = this.get(spreadsheetId);
    const title = props.title ?? `Sheet${book.sheets.length + 1}`;
    if (book.sheets.some((s) => s.title.toLowerCase() === title.toLowerCase())) {
      throw badRequest(
        `Invalid requests[0].addSheet: A sheet with the name "${title}" already exists. Please enter another name.`,
      );
    }
    const sheetId = props.sheetId ?? (book.nextSheetId === 0 ? 0 : book.nextSheetId);
    book.nextSheetId = Math.max(book.nextSheetId, sheetId) + 1;
    const sheet: Sheet = {
      sheetId,
      title,
      index: book.sheets.length,
      rowCount: props.gridProperties?.rowCount ?? DEFAULT_ROW_COUNT,
      columnCount: props.gridProperties?.columnCount ?? DEFAULT_COLUMN_COUNT,
      rows: [],
    };
    book.sheets.push(sheet);
    return sheet;
  }

  sheetById(spreadsheetId: string, sheetId: number): Sheet {
    const sheet = this.get(spreadsheetId).sheets.find((s) => s.sheetId === sheetId);
    if (!sheet) throw badRequest(`No grid with id: ${sheetId}`);
    return sheet;
  }

  deleteSheet(spreadsheetId: string, sheetId: number): void {
    const book = this.get(spreadsheetId);
    const sheet = this.sheetById(spreadsheetId, sheetId);
    book.sheets = book.sheets.filter((s) => s !== sheet);
    book.sheets.forEach((s, i) => {
      s.index = i;
    });
  }

  deleteRows(spreadsheetId: string, sheetId: number, startIndex: number, endIndex: number): void {
    const sheet = this.sheetById(spreadsheetId, sheetId);
    if (startIndex < 0 || endIndex <= startIndex || endIndex > sheet.rowCount) {
      throw badRequest(
        `Invalid requests[0].deleteDimension: range [${startIndex}, ${endIndex}) is out of bounds`,
      );
    }
    sheet.rows.splice(startIndex, endIndex - startIndex);
    sheet.rowCount -= endIndex - startIndex;
  }

  #resolve(spreadsheetId: string, a1: string): { sheet: Sheet; range: A1Range; single: boolean } {
    const book = this.get(spreadsheetId);
    let range: A1Range;
    try {
      range = parseA1(a1);
    } catch (error) {
      if (error instanceof A1Error) throw badRequest(error.message);
      throw error;
    }
    const sheet = range.tab === null ? book.sheets[0] : book.sheets.find((s) => s.title === range.tab);
    if (!sheet) throw badRequest(`Unable to parse range: ${a1}`);
    const single = !a1.includes(":") && range.endRow !== null && range.endCol !== null;
    return { sheet, range, single };
  }

  #checkGrid(sheet: Sheet, row: number, col: number, a1: string): void {
    if (row >= sheet.rowCount || col >= sheet.columnCount) {
      throw badRequest(
        `Range (${a1}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`,
      );
    }
  }

  getValues(
    spreadsheetId: string,
    a1: string,
    opts: { majorDimension?: MajorDimension; valueRenderOption?: ValueRenderOption } = {},
  ): ValueRange {
    const { sheet, range } = this.#resolve(spreadsheetId, a1);
    const endRow = range.endRow ?? sheet.rowCount;
    const endCol = range.endCol ?? sheet.columnCount;
    this.#checkGrid(sheet, Math.max(range.startRow, endRow - 1), Math.max(range.startCol, endCol - 1), a1);
    const option = opts.valueRenderOption ?? "FORMATTED_VALUE";
    const out: JsonCell[][] = [];
    for (let r = range.startRow; r < Math.min(endRow, sheet.rows.length); r++) {
      const row = sheet.rows[r] ?? [];
      const cells: JsonCell[] = [];
      let last = -1;
      for (let c = range.startCol; c < Math.min(endCol, row.length); c++) {
        if (!isEmpty(row[c])) last = c;
      }
      for (let c = range.startCol; c <= last; c++) cells.push(render(row[c], option));
      out.push(cells);
    }
    while (out.length > 0 && out[out.length - 1]?.length === 0) out.pop();
    const majorDimension = opts.majorDimension ?? "ROWS";
    const result: ValueRange = {
      range: formatA1(sheet.title, range.startRow, endRow, range.startCol, endCol),
      majorDimension,
    };
    if (out.length > 0) result.values = majorDimension === "COLUMNS" ? transpose(out) : out;
    return result;
  }

  updateValues(
    spreadsheetId: string,
    a1: string,
    values: readonly (readonly JsonCell[])[],
    option: ValueInputOption,
    majorDimension: MajorDimension = "ROWS",
  ): { updatedRange: string; updatedRows: number; updatedColumns: number; updatedCells: number } {
    const { sheet, range, single } = this.#resolve(spreadsheetId, a1);
    const rows = majorDimension === "COLUMNS" ? transpose(values) : values;
    const width = Math.max(0, ...rows.map((r) => r.length));
    if (!single) {
      if (range.endRow !== null && range.startRow + rows.length > range.endRow) {
        throw badRequest(
          `Requested writing within range [${a1}], but tried writing to row [${range.startRow + rows.length}]`,
        );
      }
      if (range.endCol !== null && range.startCol + width > range.endCol) {
        throw badRequest(
          `Requested writing within range [${a1}], but tried writing to column [${range.startCol + width}]`,
        );
      }
    }
    if (rows.length > 0 && width > 0) {
      this.#checkGrid(sheet, range.startRow + rows.length - 1, range.startCol + width - 1, a1);
    }
    const cells = this.#write(sheet, range.startRow, range.startCol, rows, option);
    return {
      updatedRange: formatA1(
        sheet.title,
        range.startRow,
        range.startRow + Math.max(rows.length, 1),
        range.startCol,
        range.startCol + Math.max(width, 1),
      ),
      updatedRows: rows.length,
      updatedColumns: width,
      updatedCells: cells,
    };
  }

  appendValues(
    spreadsheetId: string,
    a1: string,
    values: readonly (readonly JsonCell[])[],
    option: ValueInputOption,
    insertDataOption: "OVERWRITE" | "INSERT_ROWS" = "OVERWRITE",
    majorDimension: MajorDimension = "ROWS",
  ): {
    tableRange?: string;
    updatedRange: string;
    updatedRows: number;
    updatedColumns: number;
    updatedCells: number;
  } {
    const { sheet, range } = this.#resolve(spreadsheetId, a1);
    const rows = majorDimension === "COLUMNS" ? transpose(values) : values;
    const width = Math.max(1, ...rows.map((r) => r.length));
    const colEnd = range.endCol ?? sheet.columnCount;
    let lastRow = -1;
    let tableWidth = 0;
    for (let r = range.startRow; r < sheet.rows.length; r++) {
      const row = sheet.rows[r] ?? [];
      for (let c = range.startCol; c < Math.min(colEnd, row.length); c++) {
        if (!isEmpty(row[c])) {
          lastRow = r;
          tableWidth = Math.max(tableWidth, c - range.startCol + 1);
        }
      }
    }
    const target = lastRow === -1 ? range.startRow : lastRow + 1;
    if (range.startCol + width > sheet.columnCount) this.#checkGrid(sheet, 0, range.startCol + width - 1, a1);
    if (insertDataOption === "INSERT_ROWS") sheet.rowCount += rows.length;
    else sheet.rowCount = Math.max(sheet.rowCount, target + rows.length);
    const cells = this.#write(sheet, target, range.startCol, rows, option);
    const result: {
      tableRange?: string;
      updatedRange: string;
      updatedRows: number;
      updatedColumns: number;
      updatedCells: number;
    } = {
      updatedRange: formatA1(
        sheet.title,
        target,
        target + Math.max(rows.length, 1),
        range.startCol,
        range.startCol + width,
      ),
      updatedRows: rows.length,
      updatedColumns: width,
      updatedCells: cells,
    };
    if (lastRow !== -1) {
      result.tableRange = formatA1(
        sheet.title,
        range.startRow,
        lastRow + 1,
        range.startCol,
        range.startCol + tableWidth,
      );
    }
    return result;
  }

  clearValues(spreadsheetId: string, a1: string): string {
    const { sheet, range } = this.#resolve(spreadsheetId, a1);
    const endRow = range.endRow ?? sheet.rowCount;
    const endCol = range.endCol ?? sheet.columnCount;
    for (let r = range.startRow; r < Math.min(endRow, sheet.rows.length); r++) {
      const row = sheet.rows[r];
      if (!row) continue;
      for (let c = range.startCol; c < Math.min(endCol, row.length); c++) row[c] = undefined;
    }
    return formatA1(sheet.title, range.startRow, endRow, range.startCol, endCol);
  }

  /** Raw stored cells of a tab (trailing empties trimmed), for tests that inspect what was stored. */
  cells(spreadsheetId: string, tab: string): (Cell | undefined)[][] {
    const sheet = this.get(spreadsheetId).sheets.find((s) => s.title === tab);
    if (!sheet) throw new Error(`No tab ${quoteTab(tab)} in ${spreadsheetId}`);
    const rows = sheet.rows.map((r) => {
      const copy = [...(r ?? [])];
      while (copy.length > 0 && copy[copy.length - 1] === undefined) copy.pop();
      return copy;
    });
    while (rows.length > 0 && rows[rows.length - 1]?.length === 0) rows.pop();
    return rows;
  }

  #write(
    sheet: Sheet,
    startRow: number,
    startCol: number,
    rows: readonly (readonly JsonCell[])[],
    option: ValueInputOption,
  ): number {
    let count = 0;
    rows.forEach((values, i) => {
      const r = startRow + i;
      while (sheet.rows.length <= r) sheet.rows.push([]);
      const row = sheet.rows[r] ?? [];
      sheet.rows[r] = row;
      values.forEach((value, j) => {
        if (value === null) return;
        if (typeof value === "object")
          throw badRequest(`Invalid values[${i}][${j}]: ${JSON.stringify(value)}`);
        row[startCol + j] = parseInput(value, option);
        count++;
      });
    });
    return count;
  }
}

function sheetProperties(s: Sheet): unknown {
  return {
    sheetId: s.sheetId,
    title: s.title,
    index: s.index,
    sheetType: "GRID",
    gridProperties: { rowCount: s.rowCount, columnCount: s.columnCount },
  };
}

export { sheetProperties };

function transpose<T>(rows: readonly (readonly T[])[]): T[][] {
  const width = Math.max(0, ...rows.map((r) => r.length));
  const out: T[][] = [];
  for (let c = 0; c < width; c++) out.push(rows.map((r) => r[c] ?? ("" as T)));
  return out;
}
