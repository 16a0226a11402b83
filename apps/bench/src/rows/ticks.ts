import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decimalToPlain, type TickData } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import type pg from "pg";
import type { BenchContext, BenchDef } from "../context.js";
import { makeTicks, ticksCsv } from "../data.js";
import { measureSides } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison } from "../stats.js";
import { oursAdapter, pgClient, psqlCopy, tablesLike } from "./pg-util.js";
import { onPath } from "./redis-util.js";

const COLUMNS = "time, symbol, price, volume, bid, ask, source";
const ROWS_PER_INSERT = 1000;

/** The best parameterised multi-row INSERT: one named prepared statement of 1000 rows, one transaction. */
async function insertAll(c: pg.Client, table: string, ticks: readonly TickData[]): Promise<void> {
  const placeholders = (rows: number): string =>
    Array.from({ length: rows }, (_, r) => {
      const b = r * 7;
      return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7})`;
    }).join(",");
  await c.query("BEGIN");
  try {
    for (let i = 0; i < ticks.length; i += ROWS_PER_INSERT) {
      const chunk = ticks.slice(i, i + ROWS_PER_INSERT);
      const values: (string | number | null)[] = [];
      for (const t of chunk) {
        values.push(
          t.time.toISOString(),
          t.symbol,
          decimalToPlain(t.price),
          t.volume,
          t.bid === null ? null : decimalToPlain(t.bid),
          t.ask === null ? null : decimalToPlain(t.ask),
          t.source,
        );
      }
      const full = chunk.length === ROWS_PER_INSERT;
      await c.query({
        ...(full ? { name: `bench_ticks_insert_${table}` } : {}),
        text: `INSERT INTO ${table} (${COLUMNS}) VALUES ${placeholders(chunk.length)}`,
        values,
      });
    }
    await c.query("COMMIT");
  } catch (error) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

const LONG_TIMEOUT_MS = 300_000;

/** One `appendTicks` of all the ticks with the adapter's default pool config; the outcome as a note. */
async function defaultTimeoutAttempt(ctx: BenchContext, ticks: readonly TickData[]): Promise<string> {
  const plain = await oursAdapter(ctx, "bench_ticks_default");
  const t0 = performance.now();
  try {
    await plain.adapter.appendTicks(ticks);
    return `with the default pool config (5 s statement timeout) appendTicks(${ticks.length}) succeeded in ${((performance.now() - t0) / 1000).toFixed(2)} s`;
  } catch (error) {
    return (
      `with the default pool config (5 s statement timeout) appendTicks(${ticks.length}) FAILED after ` +
      `${((performance.now() - t0) / 1000).toFixed(2)} s: ${errorMessage(error)}`
    );
  } finally {
    await plain.adapter.close();
  }
}

/** `appendTicks` of 1M ticks (quick: 100k) vs `psql \copy` of the same rows and vs multi-row INSERT. */
export const ticksBench: BenchDef = {
  name: "ticks",
  title: "appendTicks vs psql \\copy of the same CSV and vs prepared 1000-row INSERT",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 100_000 : 1_000_000;
    const url = await ctx.pgUrl();
    const base = await ctx.pgSchema("bench_ticks");
    const c = await pgClient(url);
    const ticks = makeTicks(n);
    const csvFile = join(tmpdir(), `qts-bench-ticks-${process.pid}.csv`);
    writeFileSync(csvFile, ticksCsv(ticks));
    ctx.defer(() => rmSync(csvFile, { force: true }));
    const notes: string[] = [
      `${n.toLocaleString("en")} ticks (10 symbols, bid/ask/source set), rows/s; ours with pool.commandTimeoutMs ${LONG_TIMEOUT_MS}`,
    ];
    try {
      // A 1M-row COPY can outlast the default 5 s per-statement timeout on a loaded machine; measure with a
      // long one, and (full mode) record what the default does with one call.
      const ours = await oursAdapter(ctx, "bench_ticks_ours", { commandTimeoutMs: LONG_TIMEOUT_MS });
      if (!ctx.quick) notes.push(await defaultTimeoutAttempt(ctx, ticks));
      const found = (await tablesLike(c, ours.schema, "tick")).find((t) =>
        ["time", "symbol", "price", "volume", "bid", "ask", "source"].every((col) => t.columns.includes(col)),
      );
      if (found === undefined)
        throw new Error(`no ticks table with the TICK_FIELDS columns in ${ours.schema}`);
      const oursTable = found.table;
      // Same columns, defaults, constraints and indexes as ours, so the baselines write the same table shape.
      await c.query(`CREATE TABLE ${base}.ticks (LIKE ${oursTable} INCLUDING ALL)`);
      notes.push(`baseline tables are LIKE ${oursTable} INCLUDING ALL (same indexes)`);
      const table = `${base}.ticks`;
      const timed = async (truncate: string, fn: () => Promise<unknown>): Promise<number> => {
        await c.query(`TRUNCATE ${truncate}`);
        const t0 = performance.now();
        await fn();
        return (n * 1000) / (performance.now() - t0);
      };
      const hasPsql = await onPath("psql");
      const sides: Record<string, () => Promise<number>> = {
        insert: () => timed(table, () => insertAll(c, table, ticks)),
      };
      if (hasPsql) sides.psql = () => timed(table, () => psqlCopy(url, table, COLUMNS, csvFile));
      else
        notes.push("psql is not on PATH (Debian package postgresql-client): the \\copy baseline was skipped");
      sides.ours = () => timed(oursTable, () => ours.adapter.appendTicks(ticks));
      const s = await measureSides(sides, 3, ctx.quick ? 1 : 0);
      const count = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${oursTable}`);
      notes.push(`rows in ours after the last run: ${count.rows[0]?.n} (expected ${n})`);
      const pair = (b: number[] | undefined) => (b === undefined ? null : comparison(b, s.ours!));
      const init = { title: "", unit: "rows/s", oursLabel: "TimescaleAdapter.appendTicks" } as const;
      return [
        row(
          {
            ...init,
            name: "ticks.copy",
            title: "appendTicks vs psql \\copy FROM a CSV of the same rows (process start included)",
            baselineLabel: "psql \\copy",
            target: { op: ">=", value: 0.8 },
            notes,
          },
          pair(s.psql),
        ),
        row(
          {
            ...init,
            name: "ticks.insert",
            title: "appendTicks vs named prepared INSERT of 1000 rows per statement, one transaction",
            baselineLabel: "prepared 1000-row INSERT",
            target: { op: ">=", value: 1.5 },
          },
          pair(s.insert),
        ),
      ];
    } finally {
      await c.end();
    }
  },
};
