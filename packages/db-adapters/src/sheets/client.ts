import { sheets, type sheets_v4 } from "@googleapis/sheets";
import { type AuthClient, GoogleAuth } from "google-auth-library";
import { credentialsError } from "./errors.js";
import type { ApiCell } from "./layout.js";

export const SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets";

/** What authenticates the client: an injected client (OAuth2Client, JWT, GoogleAuth) or a key file. */
export type SheetsAuth = AuthClient | GoogleAuth;

/** The thin slice of the Sheets v4 API the adapter uses, each call with its own timeout. */
export interface SheetsApi {
  getTabs(timeoutMs: number): Promise<{ title: string; sheetId: number }[]>;
  addTabs(titles: readonly string[], timeoutMs: number): Promise<void>;
  batchGet(ranges: readonly string[], timeoutMs: number): Promise<ApiCell[][][]>;
  batchUpdate(data: readonly { range: string; values: string[][] }[], timeoutMs: number): Promise<void>;
  append(range: string, values: readonly string[][], timeoutMs: number): Promise<string>;
}

export function makeAuth(auth: SheetsAuth | undefined, keyFile: string | undefined): SheetsAuth {
  if (auth) return auth;
  // A key file when given, else Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, metadata server).
  return new GoogleAuth(keyFile ? { keyFile, scopes: [SHEETS_SCOPE] } : { scopes: [SHEETS_SCOPE] });
}

/**
 * The API over `auth`. Before each request the access token is obtained (cached by the auth client) on its
 * own, so a credentials problem (no key file, bad JSON, no ADC) is told apart from a network failure and
 * rejects at once with `CredentialsError` instead of being retried as an outage.
 */
export function makeSheetsApi(
  spreadsheetId: string,
  auth: SheetsAuth,
  rootUrl: string | undefined,
  source = "sheets",
): SheetsApi {
  const api = rawSheetsApi(spreadsheetId, auth, rootUrl);
  const authorized =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      let headers: unknown;
      try {
        headers = await auth.getRequestHeaders();
      } catch (error) {
        throw credentialsError(source, spreadsheetId, error);
      }
      if (!hasAuthorization(headers)) {
        throw credentialsError(
          source,
          spreadsheetId,
          new Error("the credentials gave no access token (a key file without client_email/private_key?)"),
        );
      }
      return call(...args);
    };
  return {
    getTabs: authorized(api.getTabs),
    addTabs: authorized(api.addTabs),
    batchGet: authorized(api.batchGet),
    batchUpdate: authorized(api.batchUpdate),
    append: authorized(api.append),
  };
}

function hasAuthorization(headers: unknown): boolean {
  if (headers && typeof (headers as Headers).get === "function")
    return Boolean((headers as Headers).get("authorization"));
  return Object.keys((headers ?? {}) as object).some((k) => k.toLowerCase() === "authorization");
}

function rawSheetsApi(spreadsheetId: string, auth: SheetsAuth, rootUrl: string | undefined): SheetsApi {
  const client: sheets_v4.Sheets = sheets({
    version: "v4",
    auth: auth as NonNullable<sheets_v4.Options["auth"]>,
    ...(rootUrl ? { rootUrl } : {}),
    // Our retry loop (truncated exponential backoff with jitter inside a deadline) is the only one.
    retry: false,
  });
  const opts = (timeoutMs: number) => ({ timeout: timeoutMs, retry: false });
  return {
    async getTabs(timeoutMs) {
      const res = await client.spreadsheets.get(
        { spreadsheetId, fields: "sheets.properties(sheetId,title)", includeGridData: false },
        opts(timeoutMs),
      );
      return (res.data.sheets ?? []).map((s) => ({
        title: s.properties?.title ?? "",
        sheetId: s.properties?.sheetId ?? 0,
      }));
    },
    async addTabs(titles, timeoutMs) {
      await client.spreadsheets.batchUpdate(
        {
          spreadsheetId,
          requestBody: { requests: titles.map((title) => ({ addSheet: { properties: { title } } })) },
        },
        opts(timeoutMs),
      );
    },
    async batchGet(ranges, timeoutMs) {
      const res = await client.spreadsheets.values.batchGet(
        {
          spreadsheetId,
          ranges: [...ranges],
          majorDimension: "ROWS",
          valueRenderOption: "UNFORMATTED_VALUE",
          dateTimeRenderOption: "FORMATTED_STRING",
        },
        opts(timeoutMs),
      );
      const valueRanges = res.data.valueRanges ?? [];
      return ranges.map((_, i) => (valueRanges[i]?.values ?? []) as ApiCell[][]);
    },
    async batchUpdate(data, timeoutMs) {
      if (data.length === 0) return;
      await client.spreadsheets.values.batchUpdate(
        {
          spreadsheetId,
          requestBody: {
            valueInputOption: "RAW",
            data: data.map((d) => ({ range: d.range, majorDimension: "ROWS", values: d.values })),
          },
        },
        opts(timeoutMs),
      );
    },
    async append(range, values, timeoutMs) {
      const res = await client.spreadsheets.values.append(
        {
          spreadsheetId,
          range,
          valueInputOption: "RAW",
          insertDataOption: "INSERT_ROWS",
          requestBody: { majorDimension: "ROWS", values: [...values] },
        },
        opts(timeoutMs),
      );
      return res.data.updates?.updatedRange ?? "";
    },
  };
}
