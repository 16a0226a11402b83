import { type SheetsEmulator, startSheetsEmulator } from "@qts/testkit";
import { OAuth2Client } from "google-auth-library";
import { expect } from "vitest";
import { GoogleSheetsAdapter, type GoogleSheetsAdapterOptions } from "../src/index.js";

/** An OAuth2 client with a fixed access token: no token endpoint is ever contacted. */
export function fixedTokenAuth(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: "test-token" });
  return auth;
}

/** Fails the test unless the URL points at the loopback interface (no test may reach a Google host). */
export function assertLocal(rootUrl: string): void {
  const host = new URL(rootUrl).hostname;
  expect(["127.0.0.1", "localhost", "[::1]"]).toContain(host);
  expect(host).not.toMatch(/google/i);
}

export async function startEmulator(
  opts: Parameters<typeof startSheetsEmulator>[0] = {},
): Promise<SheetsEmulator> {
  const emu = await startSheetsEmulator(opts);
  assertLocal(emu.rootUrl);
  return emu;
}

/**
 * A Sheets adapter on a fresh spreadsheet of the emulator, with fast retries and no write pacing (the emulator
 * has no quota unless a test sets one; pacing tests pass `writeRequestsPerMinute`).
 */
export function sheetsAdapter(
  emu: SheetsEmulator,
  options: Partial<GoogleSheetsAdapterOptions> = {},
): GoogleSheetsAdapter {
  const spreadsheetId = options.spreadsheetId ?? emu.createSpreadsheet();
  const rootUrl = options.rootUrl ?? emu.rootUrl;
  assertLocal(rootUrl);
  return new GoogleSheetsAdapter({
    auth: fixedTokenAuth(),
    writeRequestsPerMinute: 1_000_000,
    ...options,
    spreadsheetId,
    rootUrl,
    retry: { baseDelayMs: 5, maxDelayMs: 100, deadlineMs: 10_000, ...options.retry },
  });
}
