import { createTestSchema, inCI, pgTestUrl, ServiceUnavailableError } from "@qts/testkit";
import { describe, expect, it } from "vitest";
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
