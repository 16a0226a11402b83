import { execFile } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { TimescaleAdapter, type TimescaleAdapterOptions } from "@qts/db-adapters";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { BenchContext } from "../context.js";

const run = promisify(execFile);

export async function pgClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** Streams CSV text into `table(columns)` with COPY FROM STDIN. */
export async function copyCsv(c: pg.Client, table: string, columns: string, csv: string): Promise<void> {
  const stream = c.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN WITH (FORMAT csv)`));
  await pipeline(Readable.from([csv]), stream);
}

/** `psql URL -c "\copy ..."` (resolves when psql exits 0). */
export async function psqlCopy(url: string, table: string, columns: string, file: string): Promise<void> {
  const cmd = `\\copy ${table} (${columns}) FROM '${file.replaceAll("'", "''")}' WITH (FORMAT csv)`;
  await run("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", cmd], { maxBuffer: 1 << 20 });
}

/** A migrated TimescaleAdapter on a fresh schema (closed at the end of the run). */
export async function oursAdapter(
  ctx: BenchContext,
  prefix: string,
  pool?: TimescaleAdapterOptions["pool"],
): Promise<{ adapter: TimescaleAdapter; schema: string }> {
  const schema = await ctx.pgSchema(prefix);
  const adapter = new TimescaleAdapter({
    dsn: await ctx.pgUrl(),
    schema,
    ...(pool === undefined ? {} : { pool }),
  });
  ctx.defer(() => adapter.close());
  await adapter.migrate();
  return { adapter, schema };
}

/** The base tables of a schema whose name contains `part`, with their columns. */
export async function tablesLike(
  c: pg.Client,
  schema: string,
  part: string,
): Promise<{ table: string; columns: string[] }[]> {
  const res = await c.query<{ table_name: string; cols: string[] }>(
    `SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position) AS cols
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE' AND c.table_name LIKE $2
      GROUP BY c.table_name ORDER BY c.table_name`,
    [schema, `%${part}%`],
  );
  return res.rows.map((r) => ({ table: `${schema}.${r.table_name}`, columns: r.cols }));
}
