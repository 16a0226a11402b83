import { fill } from "@qts/contracts";
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
      expect(first.version).toBe(4);
      const again = await a.migrate();
      expect(again.applied).toEqual([]);
      expect(again.version).toBe(4);
      const rows = await query<{ version: number; name: string }>(
        `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
      expect(rows[1]!.name).toMatch(/storage path/);
      expect(rows[2]!.name).toMatch(/fills/);
      expect(rows[3]!.name).toMatch(/outbox/);
      const tables = await query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        [schema],
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        "bar_rollups",
        "bars",
        "ledger",
        "outbox",
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

  it("version 3 adds realized_pnl, version and a unique fill_id to a version-2 schema without losing a row", async () => {
    const schema = await freshSchema("qts_mig3");
    // A database as stage 1 left it: versions 1 and 2 only, with rows in positions and the ledger.
    const c = new pg.Client({ connectionString: url! });
    await c.connect();
    try {
      const run = (text: string, values: unknown[] = []) => c.query(text, values);
      const ctx = {
        s: `"${schema}"`,
        schema,
        timescale: false,
        compressAfter: "7 days",
        tickRetention: null,
      };
      await run(`CREATE SCHEMA "${schema}"`);
      await run(`CREATE TABLE "${schema}".schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      for (const m of MIGRATIONS.slice(0, 2)) {
        await m.up(run, ctx);
        await run(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, $2)`, [
          m.version,
          m.name,
        ]);
      }
      await run(
        `INSERT INTO "${schema}".positions (symbol, qty, avg_price, market) VALUES ('AAPL', 10, 150.25, 'NASDAQ')`,
      );
      await run(`INSERT INTO "${schema}".ledger (ts, symbol, side, qty, price, amount)
        VALUES ('2024-01-02Z', 'AAPL', 'BUY', 10, 150.25, 1502.5)`);
    } finally {
      await c.end();
    }
    const a = new TimescaleAdapter({ dsn: url!, schema, pool: { minConnections: 1 } });
    try {
      expect((await a.migrate()).applied).toEqual([3, 4]);
      const p = (await a.fetchPosition("AAPL"))!;
      expect([p.qty.toFixed(), p.avgPrice.toFixed(), p.market]).toEqual(["10", "150.25", "NASDAQ"]);
      expect([p.realizedPnl.toFixed(), p.version]).toEqual(["0", 0]);
      const [old] = await a.fetchLedger();
      expect(old!.fillId).toBeNull();
      const r = await a.applyFill(
        fill({ fillId: "F1", symbol: "AAPL", side: "SELL", qty: 4, price: "160.25", timestamp: new Date() }),
      );
      expect([r.position.qty.toFixed(), r.position.realizedPnl.toFixed(), r.position.version]).toEqual([
        "6",
        "40",
        1,
      ]);
      expect(await a.fetchLedger()).toHaveLength(2);
      const idx = await query<{ indexdef: string }>(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'ledger'",
        [schema],
      );
      expect(idx.map((i) => i.indexdef).join("\n")).toMatch(/UNIQUE INDEX ledger_fill_id_key .*\(fill_id\)/);
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
      expect(applied).toEqual([1, 2, 3, 4]);
      expect(results.every((r) => r.version === 4 && r.storage === "plain")).toBe(true);
      const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`);
      expect(rows[0]!.n).toBe(4);
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
