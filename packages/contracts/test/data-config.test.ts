import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DataSourceMode,
  DEFAULT_POOL_CONFIG,
  DEFAULT_SHEETS_CONFIG,
  dataLayerConfig,
  dataLayerConfigFromEnv,
  dataLayerConfigProblems,
  isDataSourceMode,
  redactDsn,
  redactUrl,
} from "../src/index.js";

const SECRET_MARK = "hunter2";
const URL_DSN = `postgres://trader:${SECRET_MARK}-x@db.example:5432/qts?sslmode=require`;
const KV_DSN = `host=db.example port=5432 user=trader password=${SECRET_MARK} dbname=qts`;

function expectNoSecret(value: unknown): void {
  const forms = [
    String(value),
    `${value}`,
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
    inspect(value),
    inspect({ nested: { deeper: value } }, { depth: 10 }),
  ];
  if (value instanceof Error) forms.push(value.message, value.stack ?? "");
  for (const form of forms) expect(form).not.toContain(SECRET_MARK);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("DataSourceMode", () => {
  it("is a frozen object of string constants", () => {
    expect(DataSourceMode).toEqual({ SHEETS_ONLY: "SHEETS_ONLY", HYBRID: "HYBRID", DB_ONLY: "DB_ONLY" });
    expect(Object.isFrozen(DataSourceMode)).toBe(true);
    expect(isDataSourceMode("HYBRID")).toBe(true);
    expect(isDataSourceMode("hybrid")).toBe(false);
    expect(isDataSourceMode("toString")).toBe(false);
  });
});

describe("dataLayerConfig", () => {
  it("has the defaults of SPEC.md", () => {
    const c = dataLayerConfig();
    expect(c.mode).toBe("SHEETS_ONLY");
    expect(c.dbDsn).toBe("");
    expect(c.pool).toEqual({
      minConnections: 5,
      maxConnections: 20,
      commandTimeoutMs: 5000,
      statementCacheSize: 100,
    });
    expect(DEFAULT_POOL_CONFIG).toEqual(c.pool);
    expect(c.sheets).toEqual(DEFAULT_SHEETS_CONFIG);
    expect(c.sheets.tabs).toEqual({
      positions: "positions",
      ledger: "ledger",
      ohlcv: "ohlcv",
      ticks: "ticks",
    });
    for (const o of [c, c.pool, c.sheets, c.sheets.tabs]) expect(Object.isFrozen(o)).toBe(true);
  });

  it("merges partial pool and sheets settings", () => {
    const c = dataLayerConfig({
      mode: "DB_ONLY",
      dbDsn: URL_DSN,
      pool: { maxConnections: 40, commandTimeoutMs: undefined },
      sheets: { spreadsheetId: "sheet-1", tabs: { ledger: "trades" } },
    });
    expect(c.pool).toEqual({ ...DEFAULT_POOL_CONFIG, maxConnections: 40 });
    expect(c.sheets.spreadsheetId).toBe("sheet-1");
    expect(c.sheets.tabs).toEqual({
      positions: "positions",
      ledger: "trades",
      ohlcv: "ohlcv",
      ticks: "ticks",
    });
    expect(c.dbDsn).toBe(URL_DSN);
  });

  it("reports every bad field at once", () => {
    const error = configError(() =>
      dataLayerConfig({
        mode: "CLOUD" as never,
        dbDsn: "mysql://x",
        pool: { minConnections: -1, maxConnections: 0, commandTimeoutMs: 1.5, statementCacheSize: -2 },
      }),
    );
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      [
        "dbDsn",
        "mode",
        "pool.commandTimeoutMs",
        "pool.maxConnections",
        "pool.minConnections",
        "pool.statementCacheSize",
      ].sort(),
    );
  });

  it("says each rule as before: the range, the modes", () => {
    const error = configError(() =>
      dataLayerConfig({ mode: "CLOUD" as never, pool: { maxConnections: 1001 } }),
    );
    expect(error.issues).toEqual([
      { variable: "mode", value: "CLOUD", reason: "must be SHEETS_ONLY, HYBRID or DB_ONLY" },
      { variable: "pool.maxConnections", value: "1001", reason: "must be an integer between 1 and 1000" },
    ]);
  });

  it("rejects minConnections > maxConnections", () => {
    const error = configError(() => dataLayerConfig({ pool: { minConnections: 10, maxConnections: 5 } }));
    expect(error.issues).toEqual([
      { variable: "pool.minConnections", value: "10", reason: expect.stringContaining("maxConnections") },
    ]);
  });

  it.each([
    ["URL", URL_DSN],
    ["key/value", KV_DSN],
    ["quoted key/value", `host=h password='${SECRET_MARK} with spaces' dbname=q`],
  ])("redacts a %s DSN in every string form", (_name, dsn) => {
    const c = dataLayerConfig({ mode: "DB_ONLY", dbDsn: dsn });
    expect(c.dbDsn).toBe(dsn);
    expectNoSecret(c);
    expect(String(c)).toContain("***");
    expect(JSON.parse(JSON.stringify(c)).pool).toEqual(DEFAULT_POOL_CONFIG);
  });

  it("redacts the DSN of a config that fails validation", () => {
    const error = configError(() => dataLayerConfig({ dbDsn: `postgres://u:${SECRET_MARK}/x@h:bad/db` }));
    expect(error.issues[0]?.variable).toBe("dbDsn");
    expectNoSecret(error);
  });
});

describe("redactDsn / redactUrl", () => {
  it.each([
    [`postgres://u:${SECRET_MARK}@h/db`, "postgres://u:***@h/db"],
    [
      `postgresql://u:${SECRET_MARK}@h:5432/db?sslmode=require`,
      "postgresql://u:***@h:5432/db?sslmode=require",
    ],
    [`postgres://u:${SECRET_MARK}/slash@h/db`, "postgres://u:***@h/db"],
    [`postgres://u:${SECRET_MARK}#hash@h/db`, "postgres://u:***@h/db"],
    [`postgres://u:${SECRET_MARK}?q@h/db`, "postgres://u:***@h/db"],
    [`postgres://u:${SECRET_MARK}@at@h/db`, "postgres://u:***@h/db"],
    [`redis://:${SECRET_MARK}@h:6379/0`, "redis://:***@h:6379/0"],
    [`redis://user:12/${SECRET_MARK}@h`, "redis://user:***@h"],
    [`host=h password=${SECRET_MARK} user=u`, "host=h password=*** user=u"],
    [`host=h PASSWORD = ${SECRET_MARK}`, "host=h PASSWORD = ***"],
    [`host=h password='${SECRET_MARK} x\\' y' user=u`, "host=h password=*** user=u"],
    [`postgres://u@h/db?password=${SECRET_MARK}`, "postgres://u@h/db?password=***"],
    ["postgres://u@h/db", "postgres://u@h/db"],
    ["postgres://h:5432/db", "postgres://h:5432/db"],
    ["", ""],
  ])("%s → %s", (input, output) => {
    expect(redactDsn(input)).toBe(output);
    expect(redactUrl(input)).toBe(output);
  });
});

describe("dataLayerConfigProblems", () => {
  it("lists what a mode needs", () => {
    expect(dataLayerConfigProblems(dataLayerConfig({ sheets: { spreadsheetId: "s" } }))).toEqual([]);
    expect(dataLayerConfigProblems(dataLayerConfig({ mode: "DB_ONLY", dbDsn: URL_DSN }))).toEqual([]);
    expect(
      dataLayerConfigProblems(
        dataLayerConfig({ mode: "HYBRID", dbDsn: URL_DSN, sheets: { spreadsheetId: "s" } }),
      ),
    ).toEqual([]);

    const hybrid = dataLayerConfigProblems(dataLayerConfig({ mode: "HYBRID" }));
    expect(hybrid.map((i) => i.variable)).toEqual([
      "dbDsn (QTS_DB_DSN)",
      "sheets.spreadsheetId (QTS_SHEETS_SPREADSHEET_ID)",
    ]);
    const hybridSheetsOnly = dataLayerConfigProblems(
      dataLayerConfig({ mode: "HYBRID", sheets: { spreadsheetId: "s" } }),
    );
    expect(hybridSheetsOnly.map((i) => i.variable)).toEqual(["dbDsn (QTS_DB_DSN)"]);
    expect(dataLayerConfigProblems(dataLayerConfig({ mode: "DB_ONLY" })).map((i) => i.variable)).toEqual([
      "dbDsn (QTS_DB_DSN)",
    ]);
    expect(dataLayerConfigProblems(dataLayerConfig()).map((i) => i.variable)).toEqual([
      "sheets.spreadsheetId (QTS_SHEETS_SPREADSHEET_ID)",
    ]);
  });
});

describe("dataLayerConfigFromEnv", () => {
  it("uses the defaults when nothing is set", () => {
    const c = dataLayerConfigFromEnv({});
    expect(c.mode).toBe("SHEETS_ONLY");
    expect(c.pool).toEqual(DEFAULT_POOL_CONFIG);
    expect(c.sheets).toEqual(DEFAULT_SHEETS_CONFIG);
  });

  it("reads every QTS_* variable", () => {
    const c = dataLayerConfigFromEnv({
      QTS_DATA_MODE: " hybrid ",
      QTS_DB_DSN: ` ${URL_DSN} `,
      QTS_DB_POOL_MIN: "2",
      QTS_DB_POOL_MAX: "8",
      QTS_DB_COMMAND_TIMEOUT_MS: "2500",
      QTS_DB_STATEMENT_CACHE_SIZE: "0",
      QTS_SHEETS_SPREADSHEET_ID: "sheet-9",
      QTS_SHEETS_KEY_FILE: "/etc/qts/key.json",
      QTS_SHEETS_ROOT_URL: "http://127.0.0.1:9999/",
      QTS_SHEETS_TAB_POSITIONS: "pos",
      QTS_SHEETS_TAB_LEDGER: "led",
      QTS_SHEETS_TAB_OHLCV: "bars",
      QTS_SHEETS_TAB_TICKS: "tk",
    });
    expect(c.mode).toBe("HYBRID");
    expect(c.dbDsn).toBe(URL_DSN);
    expect(c.pool).toEqual({
      minConnections: 2,
      maxConnections: 8,
      commandTimeoutMs: 2500,
      statementCacheSize: 0,
    });
    expect(c.sheets).toEqual({
      spreadsheetId: "sheet-9",
      keyFile: "/etc/qts/key.json",
      rootUrl: "http://127.0.0.1:9999/",
      tabs: { positions: "pos", ledger: "led", ohlcv: "bars", ticks: "tk" },
    });
    expect(dataLayerConfigProblems(c)).toEqual([]);
    expectNoSecret(c);
  });

  it("accepts QTS_DATA_SOURCE_MODE as an alias", () => {
    expect(dataLayerConfigFromEnv({ QTS_DATA_SOURCE_MODE: "DB_ONLY" }).mode).toBe("DB_ONLY");
  });

  it("reports several bad variables in one ConfigError, DSN password hidden", () => {
    const error = configError(() =>
      dataLayerConfigFromEnv({
        QTS_DATA_MODE: "cloud",
        QTS_DB_DSN: `mysql://root:${SECRET_MARK}@h/db`,
        QTS_DB_POOL_MIN: "many",
        QTS_DB_POOL_MAX: "0",
        QTS_DB_COMMAND_TIMEOUT_MS: "-1",
        QTS_DB_STATEMENT_CACHE_SIZE: "1.5",
      }),
    );
    expect(error.code).toBe("QTS_CONFIG");
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      [
        "QTS_DATA_MODE",
        "QTS_DB_COMMAND_TIMEOUT_MS",
        "QTS_DB_DSN",
        "QTS_DB_POOL_MAX",
        "QTS_DB_POOL_MIN",
        "QTS_DB_STATEMENT_CACHE_SIZE",
      ].sort(),
    );
    expect(error.issues.find((i) => i.variable === "QTS_DATA_MODE")?.value).toBe("cloud");
    expect(error.issues.find((i) => i.variable === "QTS_DB_POOL_MIN")?.value).toBe("many");
    expect(error.message).toContain("QTS_DB_POOL_MAX=0");
    expectNoSecret(error);
    expectNoSecret(error.issues);
  });

  it.each([
    ["URL form", `postgres://u:${SECRET_MARK}@h:notaport/db`],
    ["URL form with a slash in the password", `postgres://u:${SECRET_MARK}/x@h/db`],
    ["key/value form", `garbage password=${SECRET_MARK}`],
  ])("redacts a bad DSN (%s) in the error", (_name, dsn) => {
    const error = configError(() => dataLayerConfigFromEnv({ QTS_DB_DSN: dsn, QTS_DB_POOL_MAX: "x" }));
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["QTS_DB_DSN", "QTS_DB_POOL_MAX"]);
    expectNoSecret(error);
  });

  it("reports min > max under QTS_DB_POOL_MIN", () => {
    const error = configError(() => dataLayerConfigFromEnv({ QTS_DB_POOL_MIN: "30" }));
    expect(error.issues.map((i) => i.variable)).toEqual(["QTS_DB_POOL_MIN"]);
  });
});
