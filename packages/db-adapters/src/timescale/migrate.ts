import type { Pool, PoolClient, QueryConfig } from "pg";
import { MIGRATIONS, type MigrationContext, type SqlRunner } from "./migrations.js";
import { checkout } from "./pool.js";

export type StorageKind = "timescaledb" | "plain";

export interface MigrationResult {
  /** Versions applied by this call (empty when the schema was already current). */
  readonly applied: readonly number[];
  /** The storage path the schema uses. */
  readonly storage: StorageKind;
  /** The highest version now recorded. */
  readonly version: number;
}

export interface MigrateSettings {
  readonly schema: string;
  readonly timescale: "auto" | "require" | "off";
  readonly compressAfter: string;
  readonly tickRetention: string | null;
  /** Client-side limit per migration statement (ms). */
  readonly statementTimeoutMs: number;
}

/** Advisory-lock key of one schema's migrations (two processes migrating the same schema serialise on it). */
export const MIGRATION_LOCK_SQL = "SELECT pg_advisory_lock(hashtext($1))";
const UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext($1))";

async function timescaleUsable(run: SqlRunner, mode: MigrateSettings["timescale"]): Promise<boolean> {
  if (mode === "off") return false;
  const installed = (await run("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")) as {
    rowCount: number;
  };
  if (installed.rowCount > 0) return true;
  const available = (await run("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")) as {
    rowCount: number;
  };
  if (available.rowCount > 0) {
    try {
      await run("SAVEPOINT qts_ext");
      await run("CREATE EXTENSION IF NOT EXISTS timescaledb");
      await run("RELEASE SAVEPOINT qts_ext");
      return true;
    } catch (error) {
      await run("ROLLBACK TO SAVEPOINT qts_ext");
      if (mode === "require") throw error;
      return false;
    }
  }
  if (mode === "require") throw new Error("the timescaledb extension is not available on this server");
  return false;
}

/**
 * Applies every pending migration to `settings.schema`, each in its own transaction, recording it in
 * `<schema>.schema_migrations`. A session advisory lock keyed by the schema serialises concurrent callers:
 * the second waits, then finds nothing left to do. Idempotent.
 */
export async function runMigrations(pool: Pool, settings: MigrateSettings): Promise<MigrationResult> {
  const held = await checkout(pool);
  const client: PoolClient = held.client;
  const run: SqlRunner = (text, values = []) =>
    client.query({ text, values, query_timeout: settings.statementTimeoutMs } as QueryConfig);
  const s = `"${settings.schema}"`;
  const lockKey = `qts.migrate:${settings.schema}`;
  let broken = false;
  try {
    await run("SET statement_timeout = 0");
    await run(MIGRATION_LOCK_SQL, [lockKey]);
    try {
      await run("BEGIN");
      await run(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await run(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
          version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      await run("COMMIT");
      const done = (await run(`SELECT version FROM ${s}.schema_migrations ORDER BY version`)) as {
        rows: { version: number }[];
      };
      const have = new Set(done.rows.map((r) => Number(r.version)));
      const applied: number[] = [];
      let storage: StorageKind | null = null;
      for (const m of MIGRATIONS) {
        if (have.has(m.version)) continue;
        await run("BEGIN");
        try {
          const timescale = m.version >= 2 ? await timescaleUsable(run, settings.timescale) : false;
          const ctx: MigrationContext = {
            s,
            schema: settings.schema,
            timescale,
            compressAfter: settings.compressAfter,
            tickRetention: settings.tickRetention,
          };
          await m.up(run, ctx);
          await run(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
            m.version,
            m.name,
          ]);
          await run("COMMIT");
          if (m.version === 2) storage = timescale ? "timescaledb" : "plain";
          applied.push(m.version);
        } catch (error) {
          await run("ROLLBACK").catch(() => undefined);
          throw error;
        }
      }
      if (storage === null) {
        const r = (await run(`SELECT value FROM ${s}.qts_meta WHERE key = 'storage'`)) as {
          rows: { value: string }[];
        };
        storage = r.rows[0]?.value === "timescaledb" ? "timescaledb" : "plain";
      }
      const version = Math.max(0, ...have, ...applied);
      return Object.freeze({ applied: Object.freeze(applied), storage, version });
    } finally {
      await run(UNLOCK_SQL, [lockKey]).catch(() => {
        broken = true;
      });
      await run("RESET statement_timeout").catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A client whose session state is unknown (lock or timeout not reset) is discarded, not reused.
    held.release(broken ? true : undefined);
  }
}
