import { ledgerEntry } from "@qts/contracts";
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

/** Ledger entry `i` of a test (AAPL for even i, MSFT for odd), order id `${prefix}-${i}`. */
export function testEntry(i: number, prefix = "ord") {
  return ledgerEntry({
    timestamp: Date.UTC(2024, 0, 2, 9, 30) + i,
    symbol: i % 2 === 0 ? "AAPL" : "MSFT",
    side: "BUY",
    qty: "1",
    price: "10.5",
    amount: "10.5",
    orderId: `${prefix}-${i}`,
  });
}

/** The times of the write requests the emulator admitted (every method but GET, 429s left out). */
export function admittedWrites(emu: SheetsEmulator): number[] {
  return emu.requestLog.filter((e) => e.httpMethod !== "GET" && e.status !== 429).map((e) => e.at);
}

/** The most requests among `times` within any `windowMs` (what a per-minute quota counts). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
