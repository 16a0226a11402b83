import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { DataSourceError, DataSourceUnavailableError } from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { OAuth2Client } from "google-auth-library";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GoogleSheetsAdapter } from "../src/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";

let emu: SheetsEmulator;
/** Accepts only one token and answers 404 for unknown spreadsheets, as Google does. */
let strict: SheetsEmulator;
const dir = mkdtempSync(join(tmpdir(), "qts-sheets-errors-"));
beforeAll(async () => {
  emu = await startEmulator();
  strict = await startEmulator({ autoCreate: false, token: "the-right-token" });
});
afterEach(() => emu.clearFailures());
afterAll(async () => {
  await emu?.close();
  await strict?.close();
  rmSync(dir, { recursive: true, force: true });
});

const requestsTo = (e: SheetsEmulator, id: string) => e.requestLog.filter((r) => r.path.includes(id)).length;

async function failure(a: GoogleSheetsAdapter): Promise<{ err: Error; ms: number }> {
  const started = Date.now();
  const err = (await a.fetchPositions().catch((e: unknown) => e)) as Error;
  return { err, ms: Date.now() - started };
}

describe("GoogleSheetsAdapter: errors retrying cannot fix reject at once", () => {
  it("401: one request, says which credentials to check, no token in the error", async () => {
    const id = strict.createSpreadsheet();
    const a = sheetsAdapter(strict, { spreadsheetId: id, retry: { deadlineMs: 30_000 } });
    const { err, ms } = await failure(a);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(err).not.toBeInstanceOf(DataSourceUnavailableError);
    expect(err.message).toMatch(/HTTP 401.*QTS_SHEETS_KEY_FILE.*GOOGLE_APPLICATION_CREDENTIALS/);
    expect(err.message.split("\n")).toHaveLength(1);
    expect(inspect(err, { depth: 20 })).not.toContain("test-token");
    expect(requestsTo(strict, id)).toBe(1);
    expect(ms).toBeLessThan(2000);
  });

  it("403: one request, says to share the spreadsheet (by id)", async () => {
    const id = emu.createSpreadsheet();
    emu.injectFailures({ status: 403, count: Number.POSITIVE_INFINITY });
    const a = sheetsAdapter(emu, { spreadsheetId: id });
    const { err } = await failure(a);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(err).not.toBeInstanceOf(DataSourceUnavailableError);
    expect(err.message).toMatch(
      new RegExp(`HTTP 403.*share spreadsheet ${id}.*The caller does not have permission`),
    );
    expect(requestsTo(emu, id)).toBe(1);
    expect(a.stats.retries).toBe(0);
  });

  it("404: one request, names the spreadsheet id and the variable", async () => {
    const a = new GoogleSheetsAdapter({
      spreadsheetId: "no-such-sheet",
      rootUrl: strict.rootUrl,
      auth: (() => {
        const c = new OAuth2Client();
        c.setCredentials({ access_token: "the-right-token" });
        return c;
      })(),
    });
    const { err } = await failure(a);
    expect(err.message).toMatch(/HTTP 404.*spreadsheet no-such-sheet not found.*QTS_SHEETS_SPREADSHEET_ID/);
    expect(requestsTo(strict, "no-such-sheet")).toBe(1);
    const health = await a.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toMatch(/404/);
    expect(requestsTo(strict, "no-such-sheet")).toBe(2);
  });

  it("a missing or unreadable key file rejects at once, before any request, without the key", async () => {
    const id = emu.createSpreadsheet();
    const missing = sheetsAdapter(emu, {
      spreadsheetId: id,
      auth: undefined,
      keyFile: join(dir, "nope.json"),
    });
    const { err, ms } = await failure(missing);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(err).not.toBeInstanceOf(DataSourceUnavailableError);
    expect(err.message).toMatch(
      /no usable Google credentials for spreadsheet .*key file does not exist.*QTS_SHEETS_KEY_FILE/,
    );
    expect(ms).toBeLessThan(2000);

    const broken = join(dir, "broken.json");
    writeFileSync(
      broken,
      '{"private_key": "-----BEGIN PRIVATE KEY-----\\nSECRETSECRET\\n-----END PRIVATE KEY-----",',
    );
    const bad = sheetsAdapter(emu, { spreadsheetId: id, auth: undefined, keyFile: broken });
    const e2 = (await failure(bad)).err;
    expect(e2).toBeInstanceOf(DataSourceError);
    expect(e2.message).toMatch(/no usable Google credentials.*no access token.*QTS_SHEETS_KEY_FILE/);
    expect(inspect(e2, { depth: 20 })).not.toContain("SECRETSECRET");
    expect(requestsTo(emu, id)).toBe(0);
    const previous = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = join(dir, "adc-missing.json");
    try {
      const adc = sheetsAdapter(emu, { spreadsheetId: id, auth: undefined });
      const e3 = (await failure(adc)).err;
      expect(e3).not.toBeInstanceOf(DataSourceUnavailableError);
      expect(e3.message).toMatch(/no usable Google credentials.*GOOGLE_APPLICATION_CREDENTIALS/);
    } finally {
      if (previous === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = previous;
    }
    expect(requestsTo(emu, id)).toBe(0);
  });

  it("still retries 429, 5xx and resets (then succeeds)", async () => {
    const id = emu.createSpreadsheet();
    const a = sheetsAdapter(emu, { spreadsheetId: id });
    emu.injectFailures({ status: 429, count: 1 });
    emu.injectFailures({ status: 502, count: 1 });
    emu.injectFailures({ status: "reset", count: 1 });
    expect(await a.fetchPositions()).toEqual([]);
    expect(a.stats.retries).toBe(3);
  });
});
