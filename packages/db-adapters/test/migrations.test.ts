import { createTestSchema } from "@qts/testkit";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { MIGRATIONS, TimescaleAdapter } from "../src/timescale/index.js";
import { describePg, pgUrlOrNull } from "./timescale-helpers.js";

const url = await pgUrlOrNull();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url! });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

async function freshSchema(prefix: string): Promise<string> {
  const s = await createTestSchema(url!, prefix);
  cleanups.push(s.drop);
  // start from nothing: migrate() must create the schema itself
  await query(`DROP SCHEMA ${s.schema}`);
  return s.schema;
}

describePg(url, "migrations on PostgreSQL (plain path)", () => {
  it("are versioned, recorded in schema_migrations, and idempotent", async () => {
    const schema = await freshSchema("qts_mig");
    const a = new TimescaleAdapter({ dsn: url!, schema, pool: { minConnections: 1 } });
    try {
      const first = await a.migrate();
      expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
      expect(first.storage).toBe("plain");
      expect(first.version).toBe(2);
      const again = await a.migrate();
      expect(again.applied).toEqual([]);
      expect(again.version).toBe(2);
      const rows = await query<{ version: number; name: string }>(
        `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual([1, 2]);
      expect(rows[1]!.name).toMatch(/storage path/);
      const tables = await query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        [schema],
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        "bar_rollups",
        "bars",
        "ledger",
        "positions",
        "qts_meta",
        "schema_migrations",
        "ticks",
      ]);
      const idx = await query<{ indexdef: string }>(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'ticks'",
        [schema],
      );
      expect(idx.map((i) => i.indexdef).join("\n")).toMatch(/\(symbol, "time"\)/);
      const pk = await query<{ def: string }>(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '${schema}.bars'::regclass AND contype = 'p'`,
      );
      expect(pk[0]!.def).toBe('PRIMARY KEY (symbol, bar_interval, "time")');
    } finally {
      await a.close();
    }
  });

  it("two adapters migrating the same schema at once both succeed and apply each version once", async () => {
    const schema = await freshSchema("qts_migc");
    const adapters = Array.from(
      { length: 3 },
      () => new TimescaleAdapter({ dsn: url!, schema, pool: { minConnections: 0 } }),
    );
    try {
      const results = await Promise.all(adapters.map((a) => a.migrate()));
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual([1, 2]);
      expect(results.every((r) => r.version === 2 && r.storage === "plain")).toBe(true);
      const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`);
      expect(rows[0]!.n).toBe(2);
      // and the schema works from every adapter
      await adapters[0]!.updatePosition("AAPL", 1, 2);
      expect((await adapters[2]!.fetchPositions()).map((p) => p.symbol)).toEqual(["AAPL"]);
    } finally {
      await Promise.all(adapters.map((a) => a.close()));
    }
  });

  it("timescale: 'require' fails when the extension is unavailable, and nothing is recorded", async () => {
    const available = await query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
    const schema = await freshSchema("qts_migr");
    const a = new TimescaleAdapter({ dsn: url!, schema, timescale: "require", pool: { minConnections: 0 } });
    try {
      if (available.length > 0) {
        expect((await a.migrate()).storage).toBe("timescaledb");
      } else {
        await expect(a.migrate()).rejects.toThrow(/timescaledb/);
        const rows = await query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations`);
        expect(rows.map((r) => r.version)).toEqual([1]);
      }
    } finally {
      await a.close();
    }
  });

  it("an adapter over a schema nobody migrated says so", async () => {
    const schema = await freshSchema("qts_mign");
    const a = new TimescaleAdapter({ dsn: url!, schema, pool: { minConnections: 0 } });
    try {
      await expect(a.appendOhlcv([], "1m")).resolves.toBe(0);
      await expect(a.fetchPositions()).rejects.toMatchObject({ code: "QTS_DATA_SOURCE" });
      await expect(a.fetchOhlcv("X", new Date(0), new Date(1), "1h")).rejects.toThrow();
    } finally {
      await a.close();
    }
  });
});
