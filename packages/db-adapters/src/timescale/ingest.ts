import type { Interval, OHLCV, TickData } from "@qts/contracts";
import type { PoolClient, QueryConfig } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyText } from "./rows.js";
import { pgInterval, ROLLUP_INTERVALS, type Statements } from "./sql.js";

const COPY_CHUNK_ROWS = 2_000;

/** What a bulk write runs with: one client inside a transaction, the statements, limits. */
export interface Ingest {
  readonly client: PoolClient;
  readonly sql: Statements;
  /** Rows per multi-row INSERT. */
  readonly batchRows: number;
  /** Client-side limit per statement (the server-side one is set for the transaction). */
  readonly timeoutMs: number;
  /** Statement name for a text, or undefined to run it unnamed. */
  named(text: string): string | undefined;
}

function run(x: Ingest, text: string, values: unknown[] = [], prepared = true) {
  const name = prepared ? x.named(text) : undefined;
  return x.client.query({
    ...(name ? { name } : {}),
    text,
    values,
    query_timeout: x.timeoutMs,
  } as QueryConfig);
}

/** Streams rows as COPY text lines, a few thousand rows per chunk. */
function* copyLines<T>(records: readonly T[], line: (r: T) => string): Generator<string> {
  for (let i = 0; i < records.length; i += COPY_CHUNK_ROWS) {
    let chunk = "";
    const end = Math.min(records.length, i + COPY_CHUNK_ROWS);
    for (let j = i; j < end; j++) chunk += line(records[j]!);
    yield chunk;
  }
}

/**
 * Streams `records` into a COPY FROM STDIN with backpressure. Written by hand rather than with `pipeline()`:
 * when the connection is lost mid-COPY, `pipeline()` destroys the copy stream, whose `_destroy` then sends
 * CopyFail on a connection pg-copy-streams has already dropped — a TypeError thrown outside any promise, which
 * kills the process. Here the stream is never destroyed: its error rejects the write and the transaction rolls
 * back (or the broken client is discarded).
 */
async function copyInto<T>(
  x: Ingest,
  sql: string,
  records: readonly T[],
  line: (r: T) => string,
): Promise<number> {
  // pg reads `query_timeout` from the submitted object; without it the pool's short default would apply.
  const stream = x.client.query(Object.assign(copyFrom(sql), { query_timeout: x.timeoutMs }));
  let failure: Error | null = null;
  let wake: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    wake = resolve;
  });
  stream.on("error", (error: Error) => {
    failure ??= error;
    // On an error pg-copy-streams drops its connection, but pg still hands it the server's CopyInResponse when
    // that arrives later (a statement timed out before the server answered): the stream would then write to
    // the dropped connection and throw outside any promise, killing the process. Ignore it: this client is
    // discarded by the pool (released with the error), never reused.
    (stream as unknown as { handleCopyInResponse: () => void }).handleCopyInResponse = () => undefined;
    wake();
  });
  stream.once("finish", () => wake());
  for (const chunk of copyLines(records, line)) {
    if (failure) throw failure;
    if (!stream.write(chunk)) {
      await Promise.race([new Promise((resolve) => stream.once("drain", resolve)), settled]);
    } else {
      // let other work of the process (and the socket) run between chunks
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (failure) throw failure;
  stream.end();
  await settled;
  if (failure) throw failure;
  return stream.rowCount;
}

/** Splits `records` into slices of at most `size` (one multi-row INSERT each). */
export function batches<T>(records: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size));
  return out;
}

const tickLine = (t: TickData): string =>
  `${t.time.toISOString()}\t${copyText(t.symbol)}\t${t.price.toFixed()}\t${t.volume}\t${t.bid?.toFixed() ?? "\\N"}\t${
    t.ask?.toFixed() ?? "\\N"
  }\t${copyText(t.source)}\n`;

const barLine = (interval: Interval) => (b: OHLCV) =>
  `${copyText(b.symbol)}\t${interval}\t${b.time.toISOString()}\t${b.open.toFixed()}\t${b.high.toFixed()}\t${b.low.toFixed()}\t${b.close.toFixed()}\t${b.volume}\n`;

/** Appends ticks: COPY when `useCopy`, else `INSERT ... SELECT unnest(...)` in slices of `batchRows`. */
export async function writeTicks(x: Ingest, all: readonly TickData[], useCopy: boolean): Promise<number> {
  if (useCopy) return copyInto(x, x.sql.copyTicks, all, tickLine);
  for (const ticks of batches(all, x.batchRows)) {
    await run(x, x.sql.insertTicks, [
      ticks.map((t) => t.time),
      ticks.map((t) => t.symbol),
      ticks.map((t) => t.price.toFixed()),
      ticks.map((t) => t.volume),
      ticks.map((t) => t.bid?.toFixed() ?? null),
      ticks.map((t) => t.ask?.toFixed() ?? null),
      ticks.map((t) => t.source),
    ]);
  }
  return all.length;
}

/** Keeps the last bar of each (symbol, time): one batch may not touch a row twice in one upsert. */
export function dedupeBars(bars: readonly OHLCV[]): OHLCV[] {
  const byKey = new Map<string, OHLCV>();
  for (const b of bars) byKey.set(`${b.symbol}\u0000${b.time.getTime()}`, b);
  return [...byKey.values()];
}

/**
 * Upserts bars on (symbol, interval, time): COPY into a temporary staging table and one
 * `INSERT ... ON CONFLICT DO UPDATE` from it, or multi-row upserts of `unnest(...)` arrays.
 */
export async function writeBars(
  x: Ingest,
  all: readonly OHLCV[],
  interval: Interval,
  useCopy: boolean,
): Promise<void> {
  if (useCopy) {
    await run(x, x.sql.createBarStage, [], false);
    await copyInto(x, x.sql.copyBarStage, all, barLine(interval));
    await run(x, x.sql.mergeBarStage, [], false);
    return;
  }
  for (const bars of batches(all, x.batchRows)) {
    await run(x, x.sql.upsertBars, [
      bars.map((b) => b.symbol),
      bars.map(() => interval),
      bars.map((b) => b.time),
      bars.map((b) => b.open.toFixed()),
      bars.map((b) => b.high.toFixed()),
      bars.map((b) => b.low.toFixed()),
      bars.map((b) => b.close.toFixed()),
      bars.map((b) => b.volume),
    ]);
  }
}

/** The time span each symbol's bars cover: [min, max] (inclusive). */
export function touchedRanges(bars: readonly OHLCV[]): { symbols: string[]; lo: Date[]; hi: Date[] } {
  const spans = new Map<string, [number, number]>();
  for (const b of bars) {
    const t = b.time.getTime();
    const span = spans.get(b.symbol);
    if (!span) spans.set(b.symbol, [t, t]);
    else {
      if (t < span[0]) span[0] = t;
      if (t > span[1]) span[1] = t;
    }
  }
  const symbols = [...spans.keys()];
  return {
    symbols,
    lo: symbols.map((s) => new Date(spans.get(s)![0])),
    hi: symbols.map((s) => new Date(spans.get(s)![1])),
  };
}

/**
 * Plain PostgreSQL: recomputes the rollup buckets (5m from 1m, 15m from 5m, ... 1d from 4h) that the
 * written 1m bars touch, in the caller's transaction. Each level aggregates whole buckets of the finer
 * level, so the result equals aggregating the 1m bars directly.
 */
export async function refreshRollups(x: Ingest, bars: readonly OHLCV[]): Promise<void> {
  const { symbols, lo, hi } = touchedRanges(bars);
  let finer: Interval = "1m";
  for (const iv of ROLLUP_INTERVALS) {
    await run(x, x.sql.refreshRollup(finer !== "1m"), [iv, pgInterval(iv), finer, symbols, lo, hi]);
    finer = iv;
  }
}
