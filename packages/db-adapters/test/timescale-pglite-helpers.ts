import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { timescaledb } from "@electric-sql/pglite/timescaledb";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { TimescaleAdapter, type TimescaleAdapterOptions } from "../src/timescale/index.js";

/**
 * PGlite with TimescaleDB 2.23 (test-only dependency), served over the PostgreSQL wire protocol by
 * pglite-socket so the real `pg` driver talks to it. It serves ONE connection at a time (all of them share
 * one session): every adapter on it uses a pool of exactly one connection. COPY is off and batches are
 * small: COPY FROM STDIN, and any protocol message spanning more than one socket read (~64 KiB), abort the
 * WASM runtime of this build ("RuntimeError: unreachable").
 */
export interface PgliteTimescale {
  readonly url: string;
  readonly db: PGlite;
  stop(): Promise<void>;
}

export async function startPgliteTimescale(): Promise<PgliteTimescale> {
  const db = await PGlite.create({ extensions: { timescaledb } });
  await db.exec("CREATE EXTENSION IF NOT EXISTS timescaledb");
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1" });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    db,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * One PGlite + TimescaleDB for the test file: started before its tests, stopped after them. Call at the top of
 * the file; read `url` inside tests and hooks (it throws before the server started).
 */
export function pgliteForFile(): { readonly url: string } {
  let pglite: PgliteTimescale | undefined;
  beforeAll(async () => {
    pglite = await startPgliteTimescale();
  }, 120_000);
  afterAll(async () => {
    await pglite?.stop();
  });
  return {
    get url(): string {
      if (pglite === undefined) throw new Error("PGlite is not started yet: read url inside a test or hook");
      return pglite.url;
    },
  };
}

/**
 * Runs `fn` on a `pg` connection of its own. PGlite serves one connection at a time: only while no adapter
 * holds it (the adapter closed, or between its calls with a pool of `minConnections: 0`).
 */
export async function withPgliteClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Adapter options PGlite needs: one connection, no COPY. */
export const PGLITE_OPTIONS: Partial<TimescaleAdapterOptions> = {
  pool: { minConnections: 0, maxConnections: 1, commandTimeoutMs: 30_000 },
  copyThreshold: Number.POSITIVE_INFINITY,
  insertBatchRows: 100,
};

export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export async function pgliteAdapter(
  url: string,
  prefix: string,
  options: Partial<TimescaleAdapterOptions> = {},
): Promise<TimescaleAdapter> {
  const adapter = new TimescaleAdapter({
    dsn: url,
    schema: uniqueSchema(prefix),
    ...PGLITE_OPTIONS,
    ...options,
  });
  await adapter.migrate();
  return adapter;
}
