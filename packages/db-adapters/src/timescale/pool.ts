import pg from "pg";
import type { ResolvedTimescaleOptions } from "./options.js";

const INT8_OID = 20;

/** int8 → number (ids and volumes are safe integers); everything else, NUMERIC included, as pg's default. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID && format !== "binary") return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? "text");
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * The adapter's own `pg.Pool`: min/max connections, a connection timeout, a server-side
 * `statement_timeout` and a client-side `query_timeout` (catches a hung server), and a per-pool type
 * parser (the global `pg.types` is left alone). NUMERIC stays a string, so decimals never pass through a
 * JS number.
 */
export function createPool(o: ResolvedTimescaleOptions, onError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.dsn,
    min: o.pool.minConnections,
    max: o.pool.maxConnections,
    connectionTimeoutMillis: o.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: o.pool.commandTimeoutMs,
    query_timeout: o.pool.commandTimeoutMs + 1_000,
    keepAlive: true,
    application_name: `qts-${o.name}`,
    types: TYPES,
    // A fresh connection starts with no prepared statements. Servers that keep one session across
    // connections (PGlite over pglite-socket, some poolers) would otherwise reject a re-used statement name.
    // pg-pool >= 3.10 awaits this hook before handing the client out. Without named statements (PgBouncer in
    // transaction pooling) there is nothing to clear, and a DEALLOCATE would hit some other server session.
    ...(o.preparedStatements
      ? {
          onConnect: async (client: pg.ClientBase) => {
            await client.query("DEALLOCATE ALL");
          },
        }
      : {}),
  });
  // An idle client that loses its connection emits "error" on the pool; without a listener Node would crash.
  // pg-pool already drops such a client; new checkouts open fresh connections, so the pool recovers alone.
  pool.on("error", onError);
  return pool;
}

/** A client checked out of the pool, with an `'error'` listener for as long as it is held. */
export interface HeldClient {
  readonly client: pg.PoolClient;
  /** The error the connection reported while held (the server went away), else null. */
  readonly lost: Error | null;
  /** Gives the client back; a failed or broken one is discarded rather than reused. Once only. */
  release(failure?: unknown): void;
}

/**
 * `pool.connect()` plus an `'error'` listener for the whole checkout. pg-pool listens only while a client is
 * idle; a checked-out client whose server stops (`57P01`, a reset socket) emits `'error'` and, with nobody
 * listening, Node would crash the process. The listener records the error: the statement in flight rejects
 * by itself, later ones fail as "not queryable", and the client is dropped on release. The listener is
 * removed only after `release()`, which re-attaches pg-pool's idle listener, so there is no gap.
 */
export async function checkout(pool: pg.Pool): Promise<HeldClient> {
  const client = await pool.connect();
  let lost: Error | null = null;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on("error", onError);
  return {
    client,
    get lost() {
      return lost;
    },
    release(failure?: unknown) {
      const broken = failure ?? lost ?? undefined;
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
      client.removeListener("error", onError);
    },
  };
}
