import dns from "node:dns";
import { ConfigError, DataSourceMode, dataLayerConfig } from "@qts/contracts";
import { createTestSchema } from "@qts/testkit";
import pg from "pg";
import { afterEach, expect, it, vi } from "vitest";
import { createDataSource } from "../src/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { resolveTimescaleOptions } from "../src/timescale/options.js";
import { describePg, pgUrlOrNull } from "./timescale-helpers.js";

// libpq key=value DSNs reach the right server; an ambiguous URL never reaches DNS or an error message.

const url = await pgUrlOrNull();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The test server's URL rewritten as libpq key=value pairs (password quoted, with characters a URL would choke on). */
function keyValueDsn(from: string, password: string): string {
  const u = new URL(from);
  const pairs = [
    `host=${u.hostname.replace(/^\[|\]$/g, "")}`,
    `port = ${u.port || "5432"}`,
    `dbname=${decodeURIComponent(u.pathname.slice(1))}`,
    `user=${decodeURIComponent(u.username)}`,
    `password='${password.replace(/['\\]/g, "\\$&")}'`,
    "application_name=qts-kv-test",
  ];
  return pairs.join("  ");
}

describePg(url, "TimescaleAdapter with a libpq key=value DSN (PostgreSQL)", () => {
  it("connects to the server and database the pairs name, and reads back what it wrote", async () => {
    const { schema, drop } = await createTestSchema(url!, "qts_kv");
    cleanup.push(drop);
    const dsn = keyValueDsn(url!, "p@ss w/ord's");
    const adapter = new TimescaleAdapter({ dsn, schema, pool: { minConnections: 0 } });
    cleanup.push(() => adapter.close());
    await adapter.migrate();
    expect(await adapter.updatePosition("AAPL", "10", "150.25")).toBe(true);
    expect((await adapter.fetchPosition("AAPL"))?.qty.toFixed()).toBe("10");
    const health = await adapter.healthCheck();
    expect(health.healthy).toBe(true);
    expect(String(adapter)).not.toContain("p@ss");

    // The same server and database: the row is visible over the test URL.
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    try {
      const rows = await c.query(`SELECT qty::text FROM "${schema}".positions WHERE symbol = 'AAPL'`);
      expect(rows.rows).toEqual([{ qty: "10" }]);
    } finally {
      await c.end();
    }
  });

  it("createDataSource (DB_ONLY) takes the key=value DSN from the config", async () => {
    const { schema, drop } = await createTestSchema(url!, "qts_kv");
    cleanup.push(drop);
    const config = dataLayerConfig({ mode: DataSourceMode.DB_ONLY, dbDsn: keyValueDsn(url!, "x") });
    const source = createDataSource(config, { timescale: { schema } });
    cleanup.push(() => source.close());
    expect((await source.healthCheck()).healthy).toBe(true);
  });
});

it("pg reads every pair of the converted DSN as libpq would, the quoted password included", () => {
  const dsn = "host=db.example port=5433 dbname=trades user=qts password='p@ss w/ord\\'s' sslmode=disable";
  const { dsn: converted } = resolveTimescaleOptions({ dsn });
  const client = new pg.Client({ connectionString: converted }) as unknown as Record<string, unknown>;
  expect([client.host, client.port, client.database, client.user]).toEqual([
    "db.example",
    5433,
    "trades",
    "qts",
  ]);
  expect(client.password).toBe("p@ss w/ord's");
  expect(client.ssl).toBe(false);
});

it("an unencoded '@' in the password is a ConfigError saying to percent-encode; nothing is looked up", () => {
  const lookup = vi.spyOn(dns, "lookup");
  let thrown: unknown;
  try {
    new TimescaleAdapter({ dsn: "postgres://qts:p@ss@db.invalid:5432/trades" });
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const message = (thrown as ConfigError).message;
  expect(message).toMatch(/percent-encode.*%40/);
  expect(message).not.toContain("p@ss");
  expect(message).not.toMatch(/\bss\b/);
  expect(lookup).not.toHaveBeenCalled();
});

it("an unsupported libpq keyword is a ConfigError naming it, the password redacted", () => {
  expect(() => new TimescaleAdapter({ dsn: "host=h password=hunter2 connect_timeout=5" })).toThrow(
    /connect_timeout/,
  );
  try {
    new TimescaleAdapter({ dsn: "host=h password=hunter2 connect_timeout=5" });
  } catch (error) {
    expect(String((error as Error).message)).not.toContain("hunter2");
  }
});
