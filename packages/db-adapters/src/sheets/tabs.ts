import { DataSourceError, type SheetsTabs } from "@qts/contracts";
import type { SheetsApi } from "./client.js";
import { cellText, columnLetter, TAB_HEADERS, TAB_KINDS, tabRange } from "./layout.js";

/**
 * Creates missing tabs and writes missing header rows (one `spreadsheets.get`, at most one `addSheet` batch,
 * one `values.batchGet` of the four header rows, at most one `values.batchUpdate`). A tab whose header row
 * differs from the expected one is a `DataSourceError` naming the tab: the adapter never guesses a mapping.
 */
export async function prepareTabs(
  api: SheetsApi,
  tabs: SheetsTabs,
  source: string,
  timeoutMs: number,
): Promise<void> {
  const present = new Set((await api.getTabs(timeoutMs)).map((t) => t.title));
  const missing = TAB_KINDS.map((k) => tabs[k]).filter((title) => !present.has(title));
  if (missing.length > 0) {
    try {
      await api.addTabs(missing, timeoutMs);
    } catch (error) {
      // Another process may have created them meanwhile: look again before giving up.
      const now = new Set((await api.getTabs(timeoutMs)).map((t) => t.title));
      if (!missing.every((t) => now.has(t))) throw error;
    }
  }
  const headers = await api.batchGet(
    TAB_KINDS.map((k) => tabRange(tabs[k], "1:1")),
    timeoutMs,
  );
  const writes: { range: string; values: string[][] }[] = [];
  TAB_KINDS.forEach((kind, i) => {
    const expected = TAB_HEADERS[kind];
    const found = (headers[i]?.[0] ?? []).map(cellText);
    const range = tabRange(tabs[kind], `A1:${columnLetter(expected.length - 1)}1`);
    // Empty: write the header. A header that is a prefix of the layout (a tab made before columns were
    // appended, e.g. positions without realizedPnl/version): append the missing names; old rows read them as "".
    const prefix = found.length < expected.length && found.every((c, j) => c.trim() === expected[j]);
    if (found.every((c) => c === "") || prefix) writes.push({ range, values: [[...expected]] });
    else if (!expected.every((name, j) => found[j]?.trim() === name)) {
      throw new DataSourceError(
        `${source}: tab "${tabs[kind]}" has header [${found.join(", ")}]; expected [${expected.join(", ")}]`,
        { source },
      );
    }
  });
  await api.batchUpdate(writes, timeoutMs);
}
