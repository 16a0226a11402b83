import { Client } from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, createTestSchema, pgTestUrl } from "../src/index.js";
import { query } from "./helpers.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("pgTestUrl", () => {
  it("uses QTS_TEST_PG_URL when set", async () => {
    vi.stubEnv("QTS_TEST_PG_URL", "postgres://someone@db.example:6543/other");
    expect(await pgTestUrl()).toBe("postgres://someone@db.example:6543/other");
  });

  it("otherwise starts one private server per process, reused by later calls", async () => {
    vi.stubEnv("QTS_TEST_PG_URL", "");
    const url = await pgTestUrl();
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test$/);
    expect(url).not.toContain(":5432/");
    expect(await pgTestUrl()).toBe(url);
    const [row] = await query(url, "SELECT current_database() AS db");
    expect(row?.db).toBe("test");
  });
});

describe("createTestSchema / createTestDatabase", () => {
  it("gives each caller its own schema, dropped with CASCADE", async () => {
    const url = await pgTestUrl();
    const a = await createTestSchema(url, "iso");
    const b = await createTestSchema(url, "iso");
    expect(a.schema).toMatch(/^iso_[0-9a-f]{12}$/);
    expect(b.schema).not.toBe(a.schema);

    await query(url, `CREATE TABLE ${a.schema}.items (v int); INSERT INTO ${a.schema}.items VALUES (1)`);
    const [seen] = await query(
      url,
      `SELECT to_regclass('${a.schema}.items') IS NOT NULL AS in_a, to_regclass('${b.schema}.items') IS NOT NULL AS in_b`,
    );
    expect(seen).toEqual({ in_a: true, in_b: false });

    await a.drop();
    await a.drop(); // idempotent
    await b.drop();
    const left = await query(
      url,
      `SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('${a.schema}', '${b.schema}')`,
    );
    expect(left).toEqual([]);
  });

  it("rejects a prefix that is not a plain identifier", async () => {
    await expect(createTestSchema(await pgTestUrl(), 'x"; DROP')).rejects.toThrow(/invalid prefix/);
  });

  it("creates a whole database and drops it even with a session open", async () => {
    const url = await pgTestUrl();
    const db = await createTestDatabase(url);
    expect(db.name).toMatch(/^qts_test_[0-9a-f]{12}$/);
    expect(new URL(db.url).pathname).toBe(`/${db.name}`);

    const open = new Client({ connectionString: db.url });
    open.on("error", () => {}); // the forced drop terminates this session
    await open.connect();
    const { rows } = await open.query("SELECT current_database() AS db");
    expect(rows[0]?.db).toBe(db.name);

    await db.drop();
    await open.end().catch(() => undefined);
    const left = await query(url, `SELECT datname FROM pg_database WHERE datname = '${db.name}'`);
    expect(left).toEqual([]);
  });
});
