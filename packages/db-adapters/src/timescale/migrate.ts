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

/**
 * Taken first in every migration transaction: a transaction-level advisory lock keyed by the schema, so two
 * processes migrating the same schema serialise, and nothing outlives the transaction (works behind PgBouncer
 * in transaction pooling, where session locks would stay on whichever server connection ran them).
 */
export const MIGRATION_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext($1))";
/** Migrations wait on locks and run DDL: no server-side limit, for this transaction only. */
const NO_TIMEOUT_SQL = "SELECT set_config('statement_timeout', '0', true)";

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
 * `<schema>.schema_migrations`. Each transaction first takes the schema's transaction-level advisory lock and
 * then re-reads which versions are recorded, so concurrent callers serialise and a version is never applied
 * twice. No session state is set (no session `SET`, no session lock). Idempotent.
 */
export async function runMigrations(pool: Pool, settings: MigrateSettings): Promise<MigrationResult> {
  const held = await checkout(pool);
  const client: PoolClient = held.client;
  const run: SqlRunner = (text, values = []) =>
    client.query({ text, values, query_timeout: settings.statementTimeoutMs } as QueryConfig);
  const s = `"${settings.schema}"`;
  const lockKey = `qts.migrate:${settings.schema}`;
  /** BEGIN, no server-side limit, the schema's lock, then `fn`; COMMIT, or ROLLBACK on failure. */
  const locked = async <T>(fn: () => Promise<T>): Promise<T> => {
    await run("BEGIN");
    try {
      await run(NO_TIMEOUT_SQL);
      await run(MIGRATION_LOCK_SQL, [lockKey]);
      const result = await fn();
      await run("COMMIT");
      return result;
    } catch (error) {
      await run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  };
  const recorded = async (): Promise<Set<number>> => {
    const done = (await run(`SELECT version FROM ${s}.schema_migrations ORDER BY version`)) as {
      rows: { version: number }[];
    };
    return new Set(done.rows.map((r) => Number(r.version)));
  };
  let failure: unknown;
  try {
    const have = await locked(async () => {
      await run(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await run(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
          version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      return recorded();
    });
    const applied: number[] = [];
    let storage: StorageKind | null = null;
    for (const m of MIGRATIONS) {
      if (have.has(m.version)) continue;
      await locked(async () => {
        // Another process may have applied it since the first transaction: check again under the lock.
        if ((await recorded()).has(m.version)) return;
        const timescale = m.version >= 2 ? await timescaleUsable(run, settings.timescale) : false;
        const ctx: MigrationContext = {
          s,
          schema: settings.schema,
          timescale,
          compressAfter: settings.compressAfter,
          tickRetention: settings.tickRetention,
        };
        await m.up(run, ctx);
        await run(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        if (m.version === 2) storage = timescale ? "timescaledb" : "plain";
        applied.push(m.version);
      });
      have.add(m.version);
    }
    if (storage === null) {
      const r = (await run(`SELECT value FROM ${s}.qts_meta WHERE key = 'storage'`)) as {
        rows: { value: string }[];
      };
      storage = r.rows[0]?.value === "timescaledb" ? "timescaledb" : "plain";
    }
    const version = Math.max(0, ...have);
    return Object.freeze({ applied: Object.freeze(applied), storage, version });
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    // A client that failed (connection lost, aborted transaction) is discarded, not reused.
    held.release(failure === undefined ? undefined : true);
  }
}
