import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, type DataSourceAdapter, DataSourceError } from "@qts/contracts";
import { createTestSchema, type PrivatePgBouncer, pgTestUrl, startPgBouncer } from "@qts/testkit";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { describeDataSourceConformance, makeEntry } from "../src/testing/index.js";
import { MIGRATIONS, TimescaleAdapter } from "../src/timescale/index.js";
import { resolveTimescaleOptions, takeDsnParam } from "../src/timescale/options.js";

// Issue 14 (PgBouncer part): the Timescale adapter behind PgBouncer in transaction pooling (Debian's 1.18, which
// does not carry named prepared statements between server connections). No skip: a machine without pgbouncer
// fails this file (`apt-get install -y pgbouncer`; `.ci/run` installs it).
const upstream = await pgTestUrl();
const bouncer: PrivatePgBouncer = await startPgBouncer({ upstreamUrl: upstream });
/** One server connection for every client: a named statement of one client is always seen by the next. */
const narrow: PrivatePgBouncer = await startPgBouncer({ upstreamUrl: upstream, poolSize: 1 });
const OFF = "qts_prepared_statements=off";
const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");

afterAll(async () => {
  await bouncer.destroy();
  await narrow.destroy();
});

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: upstream });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

describe("the PgBouncer the tests use", () => {
  it("is a real pgbouncer in transaction pooling", async () => {
    expect(bouncer.version).toMatch(/PgBouncer \d+\.\d+/);
    expect(bouncer.url).not.toBe(upstream);
    const c = new pg.Client({
      host: "127.0.0.1",
      port: bouncer.port,
      user: "postgres",
      database: "pgbouncer",
    });
    await c.connect();
    try {
      const cfg = await c.query("SHOW CONFIG");
      const mode = cfg.rows.find((r: { key: string }) => r.key === "pool_mode") as { value: string };
      expect(mode.value).toBe("transaction");
    } finally {
      await c.end();
    }
  });
});

describe("preparedStatements option and DSN parameter", () => {
  it("the DSN parameter is taken out before pg sees the DSN (URL and key=value forms)", () => {
    expect(takeDsnParam("postgres://u:p@h:6432/db?qts_prepared_statements=off")).toEqual({
      dsn: "postgres://u:p@h:6432/db",
      value: "off",
    });
    expect(takeDsnParam("postgres://h/db?sslmode=require&qts_prepared_statements=false&x=1")).toEqual({
      dsn: "postgres://h/db?sslmode=require&x=1",
      value: "false",
    });
    expect(takeDsnParam("host=h dbname=db qts_prepared_statements=off user=u")).toEqual({
      dsn: "host=h dbname=db user=u",
      value: "off",
    });
    expect(takeDsnParam("postgres://h/db")).toEqual({ dsn: "postgres://h/db", value: undefined });
    const o = resolveTimescaleOptions({ dsn: `postgres://h/db?${OFF}` });
    expect(o.preparedStatements).toBe(false);
    expect(o.dsn).toBe("postgres://h/db");
    expect(resolveTimescaleOptions({ dsn: "postgres://h/db" }).preparedStatements).toBe(true);
    expect(
      resolveTimescaleOptions({ dsn: "postgres://h/db", preparedStatements: false }).preparedStatements,
    ).toBe(false);
  });

  it("a bad value or a contradiction is a ConfigError", () => {
    expect(() => resolveTimescaleOptions({ dsn: "postgres://h/db?qts_prepared_statements=maybe" })).toThrow(
      ConfigError,
    );
    expect(() =>
      resolveTimescaleOptions({ dsn: `postgres://h/db?${OFF}`, preparedStatements: true }),
    ).toThrow(/contradicts/);
  });

  it("named statements through PgBouncer 1.18 break (why the option exists); unnamed ones work", async () => {
    const s = await createTestSchema(upstream, "qts_pgb_named");
    const make = (dsn: string) =>
      new TimescaleAdapter({ dsn, schema: s.schema, pool: { minConnections: 0, maxConnections: 2 } });
    const named = [make(narrow.url), make(narrow.url)];
    const unnamed = [make(`${narrow.url}?${OFF}`), make(`${narrow.url}?${OFF}`)];
    try {
      await unnamed[0]!.migrate();
      // Two pg connections, one server connection: the second one's Parse of the same name collides. (Each
      // connection clears the server's statements when it opens, so open the second one first.)
      expect((await named[1]!.healthCheck()).healthy).toBe(true);
      await named[0]!.updatePosition("AAPL", 1, 1);
      const clash = await named[1]!.updatePosition("AAPL", 2, 1).catch((e: unknown) => e);
      expect(clash).toBeInstanceOf(DataSourceError);
      expect(String((clash as Error).message)).toMatch(/42P05|already exists|26000|does not exist/);
      for (const a of unnamed) {
        for (let i = 0; i < 5; i++) await a.updatePosition("MSFT", i + 1, 1);
        expect(await a.appendLedger(makeEntry({ orderId: "u" }))).toBe(true);
      }
      expect((await unnamed[1]!.fetchPosition("MSFT"))?.qty.toFixed()).toBe("5");
    } finally {
      for (const a of [...named, ...unnamed]) await a.close();
      await s.drop();
    }
  });
});

describe("migrate() through PgBouncer (transaction pooling)", () => {
  it("three adapters migrating one fresh schema at once: each version applied once, no lock left", async () => {
    const s = await createTestSchema(upstream, "qts_pgb_mig");
    await query(`DROP SCHEMA ${s.schema}`);
    const adapters = Array.from(
      { length: 3 },
      () =>
        new TimescaleAdapter({
          dsn: `${bouncer.url}?${OFF}`,
          schema: s.schema,
          pool: { minConnections: 1, maxConnections: 3 },
        }),
    );
    try {
      const results = await Promise.all(adapters.map((a) => a.migrate()));
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual(MIGRATIONS.map((m) => m.version).sort());
      for (const r of results) expect(r.version).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
      const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s.schema}.schema_migrations`);
      expect(rows[0]!.n).toBe(MIGRATIONS.length);
      const locks = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND objid::bigint = (hashtext($1)::bigint & 4294967295)`,
        [`qts.migrate:${s.schema}`],
      );
      expect(locks[0]!.n).toBe(0);
    } finally {
      for (const a of adapters) await a.close();
      await s.drop();
    }
  }, 60_000);

  it("two processes migrating one fresh schema at once, each through PgBouncer", async () => {
    const s = await createTestSchema(upstream, "qts_pgb_proc");
    await query(`DROP SCHEMA ${s.schema}`);
    const script = `
      const { TimescaleAdapter } = await import(${JSON.stringify(join(PKG, "dist", "index.js"))});
      const a = new TimescaleAdapter({ dsn: process.env.DSN, schema: process.env.SCHEMA, pool: { minConnections: 1 } });
      try { const r = await a.migrate(); await a.updatePosition("P" + process.pid, 1, 1);
        console.log(JSON.stringify({ applied: r.applied, version: r.version })); }
      finally { await a.close(); }`;
    const migrateInChild = () =>
      new Promise<{ applied: number[]; version: number }>((resolve, reject) => {
        execFile(
          process.execPath,
          ["--input-type=module", "-e", script],
          { env: { ...process.env, DSN: `${bouncer.url}?${OFF}`, SCHEMA: s.schema }, timeout: 60_000 },
          (err, stdout, stderr) => {
            if (err) reject(new Error(`child failed: ${stderr || err.message}`));
            else resolve(JSON.parse(stdout.trim().split("\n").pop()!));
          },
        );
      });
    try {
      const results = await Promise.all([migrateInChild(), migrateInChild()]);
      expect(results.flatMap((r) => r.applied).sort()).toEqual(MIGRATIONS.map((m) => m.version).sort());
      const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s.schema}.positions`);
      expect(rows[0]!.n).toBe(2);
    } finally {
      await s.drop();
    }
  }, 90_000);
});

// The whole conformance suite, every call through PgBouncer in transaction pooling, statements unnamed via the DSN.
const drops = new Map<DataSourceAdapter, () => Promise<void>>();
describeDataSourceConformance(
  "TimescaleAdapter through PgBouncer (transaction pooling, qts_prepared_statements=off)",
  async () => {
    const s = await createTestSchema(upstream, "qts_pgb_conf");
    const adapter = new TimescaleAdapter({
      dsn: `${bouncer.url}?${OFF}`,
      schema: s.schema,
      pool: { minConnections: 1 },
    });
    await adapter.migrate();
    drops.set(adapter, s.drop);
    return adapter;
  },
  {
    teardown: async (a) => {
      await drops.get(a)?.();
      drops.delete(a);
    },
  },
);
