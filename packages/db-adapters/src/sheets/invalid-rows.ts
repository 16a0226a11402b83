import { ValidationError } from "@qts/contracts";
import { type ApiCell, cellText } from "./layout.js";

/** A stored row the adapter could not decode; it is skipped by reads and reported, never read as zeros. */
export interface SheetsRowWarning {
  readonly tab: string;
  /** 1-based row number as the spreadsheet shows it. */
  readonly row: number;
  readonly message: string;
  readonly cells: readonly string[];
}

/** A data row of a tab with its 1-based row number. */
export interface SheetRow {
  readonly row: number;
  readonly cells: readonly ApiCell[];
}

const MAX_TRACKED = 10_000;

/**
 * Decodes rows, skipping the ones that fail validation and reporting each distinct bad row once (to the
 * warning callback), remembering the last 10000 for health.
 */
export class InvalidRowReporter {
  readonly #seen = new Map<string, string>();

  constructor(readonly onWarning: (w: SheetsRowWarning) => void) {}

  /** Distinct undecodable rows seen (bounded). */
  get count(): number {
    return this.#seen.size;
  }

  /** `tab!row: message` of the last one, or undefined. */
  get last(): string | undefined {
    return [...this.#seen.values()].at(-1);
  }

  decode<T>(tab: string, rows: readonly SheetRow[], parse: (cells: readonly ApiCell[]) => T): T[] {
    const out: T[] = [];
    for (const { row, cells } of rows) {
      try {
        out.push(parse(cells));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        this.#report(tab, row, cells, error.message);
      }
    }
    return out;
  }

  #report(tab: string, row: number, cells: readonly ApiCell[], message: string): void {
    const text = cells.map(cellText);
    const key = `${tab}\u0000${row}\u0000${text.join("\u0000")}`;
    if (this.#seen.has(key)) return;
    if (this.#seen.size >= MAX_TRACKED) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.set(key, `${tab}!${row}: ${message}`);
    try {
      this.onWarning({ tab, row, message, cells: text });
    } catch {
      // A throwing warning callback must not break reads.
    }
  }
}
