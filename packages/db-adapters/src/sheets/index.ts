export { SHEETS_SCOPE, type SheetsAuth } from "./client.js";
export type { SheetsRowWarning } from "./invalid-rows.js";
export { TAB_HEADERS, TAB_KINDS, type TabKind } from "./layout.js";
export { DEFAULT_RETRY, type RetryOptions } from "./retry.js";
export { GoogleSheetsAdapter, type GoogleSheetsAdapterOptions } from "./sheets-adapter.js";
