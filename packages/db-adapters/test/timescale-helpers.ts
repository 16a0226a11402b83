import {
  createTestSchema,
  inCI,
  type PrivatePostgres,
  pgTestUrl,
  ServiceUnavailableError,
  startPrivatePostgres,
} from "@qts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TimescaleAdapter, type TimescaleAdapterOptions } from "../src/timescale/index.js";

/**
 * The test PostgreSQL URL, or null (with a message) when no PostgreSQL can be had outside CI.
 * In CI a missing PostgreSQL throws: the run must fail.
 */
export async function pgUrlOrNull(): Promise<string | null> {
  try {
    return await pgTestUrl();
  } catch (error) {
    if (error instanceof ServiceUnavailableError && !inCI()) {
      console.warn(`PostgreSQL tests skipped: ${error.message}`);
      return null;
    }
    throw error;
  }
}

export interface SchemaAdapter {
  adapter: TimescaleAdapter;
  schema: string;
  drop(): Promise<void>;
}

/** A TimescaleAdapter over a fresh, migrated schema of its own. */
export async function migratedAdapter(
  url: string,
  prefix: string,
  options: Partial<TimescaleAdapterOptions> = {},
): Promise<SchemaAdapter> {
  const { schema, drop } = await createTestSchema(url, prefix);
  const adapter = new TimescaleAdapter({ dsn: url, schema, pool: { minConnections: 1 }, ...options });
  await adapter.migrate();
  return { adapter, schema, drop };
}

/**
 * `describe(name, body)` when PostgreSQL is there; otherwise (outside CI only) one test that says why,
 * instead of skipped tests.
 */
export function describePg(url: string | null, name: string, body: () => void): void {
  if (url !== null) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    it("needs PostgreSQL (see the warning above; install postgresql or set QTS_TEST_PG_URL)", () => {
      expect(url).toBeNull();
    });
  });
}

/** A private PostgreSQL of one test file: null while not started, or when its binaries are missing outside CI. */
export interface FilePostgres {
  readonly server: PrivatePostgres | null;
  /** Why there is no server (outside CI only; in CI a missing PostgreSQL fails the run). */
  readonly missing: string;
}

/**
 * For fault tests that stop and kill their server: one private PostgreSQL (initdb + pg_ctl on a free port, never
 * the shared one) started before the file's tests and destroyed after them. Call at the top of the file.
 */
export function privatePostgresForFile(): FilePostgres {
  const state: { server: PrivatePostgres | null; missing: string } = { server: null, missing: "" };
  beforeAll(async () => {
    try {
      state.server = await startPrivatePostgres();
    } catch (error) {
      if (error instanceof ServiceUnavailableError && !inCI()) state.missing = error.message;
      else throw error;
    }
  }, 120_000);
  afterAll(async () => {
    await state.server?.destroy();
  });
  return state;
}

/**
 * The file's private server, or null after a warning when its binaries are missing (outside CI): the test then
 * only checks that the reason was recorded, and returns.
 */
export function serverOrWarn(pg: FilePostgres, test: string): PrivatePostgres | null {
  if (pg.server !== null) return pg.server;
  console.warn(`${test} needs PostgreSQL binaries: ${pg.missing}`);
  expect(pg.missing).not.toBe("");
  return null;
}
