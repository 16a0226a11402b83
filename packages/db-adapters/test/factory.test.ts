import { ConfigError, DataSourceMode, dataLayerConfig, dataLayerConfigFromEnv } from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createDataSource,
  GoogleSheetsAdapter,
  HybridAdapter,
  InMemoryAdapter,
  migrateDataSource,
} from "../src/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { fixedTokenAuth, startEmulator } from "./sheets-helpers.js";

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const DSN = "postgres://qts:secret-pw@127.0.0.1:1/qts";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("createDataSource", () => {
  it("SHEETS_ONLY builds a GoogleSheetsAdapter from the config (tabs, rootUrl) and it works", async () => {
    const id = emu.createSpreadsheet();
    const ds = createDataSource(
      {
        mode: "SHEETS_ONLY",
        sheets: { spreadsheetId: id, rootUrl: emu.rootUrl, tabs: { positions: "Pos" } },
      },
      { sheetsAuth: fixedTokenAuth() },
    );
    try {
      expect(ds).toBeInstanceOf(GoogleSheetsAdapter);
      await ds.updatePosition("AAPL", 1, 2);
      expect(emu.tabs(id)).toContain("Pos");
      expect((await ds.fetchPosition("AAPL"))?.avgPrice.toString()).toBe("2");
    } finally {
      await ds.close();
    }
  });

  it("DB_ONLY builds a TimescaleAdapter with the pool settings (no connection made)", async () => {
    const ds = createDataSource(
      dataLayerConfig({ mode: "DB_ONLY", dbDsn: DSN, pool: { maxConnections: 7 } }),
    );
    try {
      expect(ds).toBeInstanceOf(TimescaleAdapter);
      expect((ds as TimescaleAdapter).poolConfig.maxConnections).toBe(7);
      expect(String(ds)).not.toContain("secret-pw");
    } finally {
      await ds.close();
    }
  });

  it("HYBRID: the database is primary and the spreadsheet secondary, unless hybridPrimary says otherwise", async () => {
    const env = {
      QTS_DATA_MODE: "hybrid",
      QTS_DB_DSN: DSN,
      QTS_SHEETS_SPREADSHEET_ID: "sheet-1",
      QTS_SHEETS_ROOT_URL: emu.rootUrl,
    };
    const ds = createDataSource(dataLayerConfigFromEnv(env), { sheetsAuth: fixedTokenAuth() });
    expect(ds).toBeInstanceOf(HybridAdapter);
    expect((ds as HybridAdapter).primary).toBeInstanceOf(TimescaleAdapter);
    expect((ds as HybridAdapter).secondary).toBeInstanceOf(GoogleSheetsAdapter);
    expect(ds.name).toBe("hybrid");
    await ds.close();
    const flipped = createDataSource(dataLayerConfigFromEnv(env), {
      sheetsAuth: fixedTokenAuth(),
      hybridPrimary: "sheets",
    });
    expect((flipped as HybridAdapter).primary).toBeInstanceOf(GoogleSheetsAdapter);
    await flipped.close();
  });

  it("names what a mode is missing", () => {
    const hybrid = configError(() => createDataSource({ mode: DataSourceMode.HYBRID }));
    expect(hybrid.issues.map((i) => i.variable)).toEqual([
      "dbDsn (QTS_DB_DSN)",
      "sheets.spreadsheetId (QTS_SHEETS_SPREADSHEET_ID)",
    ]);
    expect(hybrid.message).toMatch(/HYBRID needs a PostgreSQL DSN/);
    const db = configError(() => createDataSource({ mode: "DB_ONLY" }));
    expect(db.issues).toHaveLength(1);
    expect(db.message).toMatch(/QTS_DB_DSN/);
    const sheets = configError(() => createDataSource({}));
    expect(sheets.message).toMatch(/SHEETS_ONLY needs a spreadsheet id/);
    const bad = configError(() => createDataSource({ mode: "MEMORY" as DataSourceMode }));
    expect(bad.issues[0]?.variable).toBe("mode");
  });

  it("takes ready-made stores instead of settings (e.g. InMemoryAdapter as the database)", async () => {
    const memory = new InMemoryAdapter();
    expect(createDataSource({ mode: "DB_ONLY" }, { db: memory })).toBe(memory);
    const secondary = new InMemoryAdapter({ name: "sheet-stand-in" });
    const h = createDataSource({ mode: "HYBRID" }, { db: memory, sheetsStore: secondary }) as HybridAdapter;
    expect(h.primary).toBe(memory);
    expect(h.secondary).toBe(secondary);
    await h.updatePosition("AAPL", 1, 1);
    await h.drain();
    expect(await secondary.fetchPosition("AAPL")).not.toBeNull();
    expect(await migrateDataSource(h)).toBe(0);
    await h.close();
  });
});
