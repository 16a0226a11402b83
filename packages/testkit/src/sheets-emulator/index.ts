/**
 * A local Google Sheets v4 API emulator for tests (no test may contact a Google host).
 *
 * ```ts
 * const emu = await startSheetsEmulator();            // http://127.0.0.1:<free port>/
 * const spreadsheetId = emu.createSpreadsheet({ tabs: ["Sheet1"] }); // or emu.spreadsheetId, or any id
 *                                                                    // (created on first use unless autoCreate: false)
 * const auth = new OAuth2Client(); auth.setCredentials({ access_token: "test" });
 * const client = sheets({ version: "v4", auth, rootUrl: emu.rootUrl });
 * emu.injectFailures({ status: 429, count: 3, methods: ["values.append"] }); // also 500/502/503/"reset",
 * emu.setLatency(50);                                                         // afterApply, retryAfterSeconds
 * emu.injectFailures({ status: "hold", holdMs: 1500, methods: ["values.append"] }); // applied after the client gave up
 * emu.setQuota({ writesPerMinute: 60 });  // or startSheetsEmulator({ quota: {...}, latencyMs: 150 }): Google's 429 body
 * emu.getSheetValues(spreadsheetId, "Sheet1"); emu.getCells(...); emu.requestLog; await emu.close();
 * ```
 *
 * Emulated, with Google's request/response and `{ error: { code, message, status } }` shapes:
 * `POST /v4/spreadsheets`, `GET /v4/spreadsheets/{id}`, `POST /v4/spreadsheets/{id}:batchUpdate` (addSheet,
 * deleteSheet, deleteDimension ROWS; atomic), `GET .../values/{range}`, `PUT .../values/{range}`,
 * `POST .../values/{range}:append` (OVERWRITE / INSERT_ROWS, table detection by last non-empty row),
 * `POST .../values/{range}:clear`, `GET .../values:batchGet`, `POST .../values:batchUpdate`,
 * `POST .../values:batchClear`. A1 ranges with quoted tab names (`'my tab'!A1:K`), open ranges (`A2:A`,
 * `1:1`), grid limits (1000×26 per new tab; writes beyond fail, appends grow it), trailing empty cells and rows
 * trimmed, `values` omitted for an empty range. `valueInputOption` is required for writes: RAW stores values
 * verbatim; USER_ENTERED turns `=...` into a formula cell (rendered `#ERROR!`, or its text with
 * `valueRenderOption: FORMULA`), numeric text into numbers and TRUE/FALSE into booleans, so a test can prove
 * that an adapter never relies on it. A bearer token is required (any, or `opts.token`).
 */
export { A1Error, type A1Range, columnIndex, columnLetters, formatA1, parseA1, quoteTab } from "./a1.js";
export { type Cell, type JsonCell, parseInput, SheetsApiError } from "./model.js";
export { type QuotaOptions, quotaErrorBody } from "./quota.js";
export type { SheetsMethod } from "./routes.js";
export {
  type FailureRule,
  type InjectedStatus,
  type RequestLogEntry,
  type SheetsEmulator,
  type StartSheetsEmulatorOptions,
  startSheetsEmulator,
} from "./server.js";
