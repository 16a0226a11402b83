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
    // pg-pool >= 3.10 awaits this hook before handing the client out.
    onConnect: async (client: pg.ClientBase) => {
      await client.query("DEALLOCATE ALL");
    },
  });
  // An idle client that loses its connection emits "error" on the pool; without a listener Node would crash.
  // pg-pool already drops such a client; new checkouts open fresh connections, so the pool recovers alone.
  pool.on("error", onError);
  return pool;
}
