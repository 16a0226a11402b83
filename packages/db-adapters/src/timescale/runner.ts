import { createHash } from "node:crypto";
import { DataSourceUnavailableError } from "@qts/contracts";
import type pg from "pg";
import { mapPgError, scrub } from "./errors.js";
import type { Ingest } from "./ingest.js";
import type { ResolvedTimescaleOptions } from "./options.js";
import { checkout, createPool, type HeldClient } from "./pool.js";
import type { Statements } from "./sql.js";

/**
 * The adapter's access to PostgreSQL: its pool, named statements, error mapping, client checkout and
 * bulk-write transactions. Every failure leaves here as a typed error of `@qts/contracts`.
 */
export class PgRunner {
  readonly pool: pg.Pool;
  lastPoolError = "";
  readonly #options: ResolvedTimescaleOptions;
  readonly #sql: Statements;
  readonly #names = new Map<string, string>();
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(o: ResolvedTimescaleOptions, sql: Statements) {
    this.#options = o;
    this.#sql = sql;
    this.pool = createPool(o, (error) => {
      this.lastPoolError = scrub(error.message, o.dsn);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  checkOpen(): void {
    if (this.#closed) {
      throw new DataSourceUnavailableError(`${this.#options.name} adapter is closed`, {
        source: this.#options.name,
      });
    }
  }

  error(error: unknown, what: string) {
    return mapPgError(error, what, this.#options.name, this.#options.dsn);
  }

  /**
   * A stable statement name per text, while the statement cache has room (then unnamed); always unnamed with
   * `preparedStatements: false` (PgBouncer transaction pooling).
   */
  named(text: string): string | undefined {
    if (!this.#options.preparedStatements) return undefined;
    const cached = this.#names.get(text);
    if (cached) return cached;
    if (this.#names.size >= this.#options.pool.statementCacheSize) return undefined;
    const hash = createHash("sha1").update(`${this.#options.schema}\u0000${text}`).digest("hex");
    const name = `qts_${hash.slice(0, 20)}`;
    this.#names.set(text, name);
    return name;
  }

  /** One statement on any pooled connection (named unless `prepared` is false). */
  async query<R>(what: string, text: string, values: unknown[], prepared = true): Promise<R[]> {
    this.checkOpen();
    const name = prepared ? this.named(text) : undefined;
    try {
      const result = await this.pool.query({ ...(name ? { name } : {}), text, values });
      return result.rows as R[];
    } catch (error) {
      throw this.error(error, what);
    }
  }

  /**
   * Runs `fn` on one checked-out client, listening for its `'error'` event for the whole checkout (a server
   * that stops mid-call rejects the call as unavailable instead of crashing the process); a client that
   * failed is discarded rather than reused.
   */
  async withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.checkOpen();
    let held: HeldClient;
    try {
      held = await checkout(this.pool);
    } catch (error) {
      throw this.error(error, what);
    }
    let failure: unknown;
    try {
      return await fn(held.client);
    } catch (error) {
      failure = error;
      const mapped = this.error(error, what);
      // A statement that failed oddly because the connection went away is reported as the loss it was.
      throw held.lost && !(mapped instanceof DataSourceUnavailableError)
        ? this.error(held.lost, what)
        : mapped;
    } finally {
      held.release(failure);
    }
  }

  /** Runs statements on one client with the bulk limit, client- and (for this session) server-side. */
  withBulkClient<T>(what: string, fn: (q: BulkQuery, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const timeoutMs = this.#options.bulkTimeoutMs;
    return this.withClient(what, (client) =>
      fn(
        (text, values = []) => client.query({ text, values, query_timeout: timeoutMs } as pg.QueryConfig),
        client,
      ),
    );
  }

  /**
   * A bulk write: one transaction whose statements may run up to `bulkTimeoutMs` (server-side via
   * `set_config('statement_timeout', ..., true)`, client-side via `query_timeout`). Rolled back on failure.
   */
  ingest<T>(what: string, fn: (x: Ingest) => Promise<T>): Promise<T> {
    const timeoutMs = this.#options.bulkTimeoutMs;
    return this.withBulkClient(what, async (q, client) => {
      await q("BEGIN");
      try {
        await q("SELECT set_config('statement_timeout', $1, true)", [String(timeoutMs)]);
        const result = await fn({
          client,
          sql: this.#sql,
          batchRows: this.#options.insertBatchRows,
          timeoutMs,
          named: (t) => this.named(t),
        });
        await q("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }

  /** Ends the pool (waits for checked-out clients). Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.pool.end().catch(() => undefined);
    return this.#closing;
  }
}

export type BulkQuery = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
