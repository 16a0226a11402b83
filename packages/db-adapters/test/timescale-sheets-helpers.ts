import {
  createTestSchema,
  pgTestUrl,
  ServiceUnavailableError,
  type SheetsEmulator,
  type TestSchema,
} from "@qts/testkit";
import { afterAll, beforeAll } from "vitest";
import { startEmulator } from "./sheets-helpers.js";

/** What a Hybrid(TimescaleAdapter, GoogleSheetsAdapter) test file stands on. */
export interface TimescaleAndSheets {
  /** The test PostgreSQL, or null when it is missing and skipping is allowed (`QTS_TEST_ALLOW_SKIP`, outside CI). */
  readonly url: string | null;
  /** Why `url` is null ("" when it is not). */
  readonly skipReason: string;
  /** The file's Sheets emulator (read it inside tests and hooks). */
  readonly emu: SheetsEmulator;
  /** A fresh schema of the test PostgreSQL, dropped after the file's tests. */
  schema(prefix: string): Promise<TestSchema>;
}

/**
 * The test PostgreSQL's URL (resolved now: await it at the top of the file), one Sheets emulator started before the
 * file's tests, and the schemas the tests make, all closed or dropped after them. A missing PostgreSQL fails the
 * file unless skipping is allowed.
 */
export async function timescaleAndSheetsForFile(): Promise<TimescaleAndSheets> {
  let url: string | null = null;
  let skipReason = "";
  try {
    url = await pgTestUrl();
  } catch (error) {
    if (error instanceof ServiceUnavailableError && error.skippable) skipReason = error.message;
    else throw error;
  }
  let emu: SheetsEmulator | undefined;
  const schemas: TestSchema[] = [];
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu?.close();
    for (const s of schemas) await s.drop();
  });
  return {
    url,
    skipReason,
    get emu(): SheetsEmulator {
      if (emu === undefined)
        throw new Error("the Sheets emulator is not started yet: read emu inside a test or hook");
      return emu;
    },
    async schema(prefix: string): Promise<TestSchema> {
      if (url === null) throw new Error(`no PostgreSQL: ${skipReason}`);
      const s = await createTestSchema(url, prefix);
      schemas.push(s);
      return s;
    },
  };
}
