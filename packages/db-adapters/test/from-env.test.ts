import { ConfigError } from "@qts/contracts";
import { createTestSchema, type SheetsEmulator } from "@qts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataSourceFromEnv, GoogleSheetsAdapter, migrateDataSource } from "../src/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { startEmulator } from "./sheets-helpers.js";
import { pgUrlOrNull } from "./timescale-helpers.js";

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
});

describe("dataSourceFromEnv", () => {
  it("SHEETS_ONLY from QTS_SHEETS_* (token auth, tab names) works against the emulator", async () => {
    const id = emu.createSpreadsheet();
    const ds = dataSourceFromEnv({
      QTS_DATA_MODE: "sheets_only",
      QTS_SHEETS_SPREADSHEET_ID: id,
      QTS_SHEETS_ROOT_URL: emu.rootUrl,
      QTS_SHEETS_ACCESS_TOKEN: "test-token",
      QTS_SHEETS_TAB_POSITIONS: "Books",
    });
    try {
      expect(ds).toBeInstanceOf(GoogleSheetsAdapter);
      await ds.updatePosition("AAPL", "1.5", "10");
      expect(emu.tabs(id)).toContain("Books");
      expect((await ds.fetchPosition("AAPL"))?.qty.toString()).toBe("1.5");
    } finally {
      await ds.close();
    }
  });

  it("DB_ONLY: the pool, timeout, statement-cache and schema variables take effect", async () => {
    const url = await pgUrlOrNull();
    expect(url, "PostgreSQL is required for this test").not.toBeNull();
    const s = await createTestSchema(url!, "fromenv");
    const ds = dataSourceFromEnv({
      QTS_DATA_MODE: "DB_ONLY",
      QTS_DB_DSN: url!,
      QTS_DB_SCHEMA: s.schema,
      QTS_DB_POOL_MIN: "1",
      QTS_DB_POOL_MAX: "3",
      QTS_DB_COMMAND_TIMEOUT_MS: "1500",
      QTS_DB_STATEMENT_CACHE_SIZE: "0",
    });
    try {
      expect(ds).toBeInstanceOf(TimescaleAdapter);
      const ts = ds as TimescaleAdapter;
      expect(ts.poolConfig).toMatchObject({
        minConnections: 1,
        maxConnections: 3,
        commandTimeoutMs: 1500,
        statementCacheSize: 0,
      });
      await migrateDataSource(ds);
      await ds.updatePosition("AAPL", "2", "3");
      expect((await ds.fetchPosition("AAPL"))?.qty.toString()).toBe("2");
      // The rows went to the schema the variable named.
      const { Client } = await import("pg");
      const c = new Client({ connectionString: url! });
      await c.connect();
      try {
        const r = await c.query(`SELECT count(*)::int AS n FROM "${s.schema}".positions`);
        expect(r.rows[0].n).toBe(1);
      } finally {
        await c.end();
      }
    } finally {
      await ds.close();
      await s.drop();
    }
  });

  it("QTS_DB_READ_DSN (comma-separated), QTS_DB_MAX_REPLICA_LAG_MS, QTS_DB_PREPARED_STATEMENTS reach the adapter", async () => {
    const url = await pgUrlOrNull();
    expect(url, "PostgreSQL is required for this test").not.toBeNull();
    const ds = dataSourceFromEnv({
      QTS_DATA_MODE: "DB_ONLY",
      QTS_DB_DSN: url!,
      QTS_DB_READ_DSN: ` ${url!} , postgres://postgres@127.0.0.1:1/none `,
      QTS_DB_MAX_REPLICA_LAG_MS: "250",
      QTS_DB_PREPARED_STATEMENTS: "off",
    }) as TimescaleAdapter;
    try {
      expect(ds.preparedStatements).toBe(false);
      const health = await ds.healthCheck();
      expect(health.details).toMatchObject({ replicas: 2, replica1Usable: false });
    } finally {
      await ds.close();
    }
    let error: unknown;
    try {
      dataSourceFromEnv({
        QTS_DATA_MODE: "DB_ONLY",
        QTS_DB_DSN: url!,
        QTS_DB_MAX_REPLICA_LAG_MS: "soon",
        QTS_DB_PREPARED_STATEMENTS: "maybe",
      });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).issues.map((i) => i.variable)).toEqual([
      "QTS_DB_MAX_REPLICA_LAG_MS",
      "QTS_DB_PREPARED_STATEMENTS",
    ]);
  });

  it("reports every bad value at once, and unknown variables as warnings with a suggestion", () => {
    const warnings: string[] = [];
    let error: unknown;
    try {
      dataSourceFromEnv(
        {
          QTS_DATA_MODE: "SOMETIMES",
          QTS_DB_POOL_MAX: "many",
          QTS_DB_SCHEMA: "Bad-Schema",
          QTS_SHEETS_WRITES_PER_MINUTE: "0",
          QTS_DB_DNS: "postgres://h/db",
        },
        { onWarning: (m) => warnings.push(m) },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = (error as ConfigError).issues.map((i) => i.variable);
    expect(variables).toEqual(
      expect.arrayContaining([
        "QTS_DATA_MODE",
        "QTS_DB_POOL_MAX",
        "QTS_DB_SCHEMA",
        "QTS_SHEETS_WRITES_PER_MINUTE",
      ]),
    );
    expect(warnings).toEqual([expect.stringContaining("QTS_DB_DNS (did you mean QTS_DB_DSN?)")]);
  });
});
