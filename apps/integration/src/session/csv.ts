import { type TickData, tick } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { barsFromTicks } from "./bars.js";
import { FillPlanner } from "./fills.js";
import { fileLines } from "./lines.js";
import { Prng } from "./prng.js";
import type { MinuteBatch, Session } from "./types.js";

/** The header a ticks CSV must start with; the last three columns are optional. */
export const TICKS_CSV_HEADER = "time,symbol,price,volume[,bid,ask,source]";
const REQUIRED = ["time", "symbol", "price", "volume"] as const;
const OPTIONAL = ["bid", "ask", "source"] as const;
const KNOWN: readonly string[] = [...REQUIRED, ...OPTIONAL];

/** A ticks file that cannot be read; `line` is 1-based (0 = the file itself); `column` names the field. */
export class TicksFileError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    reason: string,
    readonly column: string | null = null,
  ) {
    super(
      `${path}${line > 0 ? `:${line}` : ""}: ${column !== null ? `column ${JSON.stringify(column)}: ` : ""}${reason}`,
    );
    this.name = "TicksFileError";
  }
}

/** Column name → index, from a header line; rejects missing, unknown and repeated columns. */
function parseHeader(line: string, path: string): Map<string, number> {
  const header = line.split(",").map((h) => h.trim().toLowerCase());
  const col = new Map<string, number>();
  for (const [i, h] of header.entries()) {
    if (col.has(h))
      throw new TicksFileError(
        path,
        1,
        `column ${JSON.stringify(h)} appears twice; expected ${TICKS_CSV_HEADER}`,
      );
    col.set(h, i);
  }
  const missing = REQUIRED.filter((c) => !col.has(c));
  if (missing.length > 0) {
    throw new TicksFileError(path, 1, `header lacks ${missing.join(", ")}; expected ${TICKS_CSV_HEADER}`);
  }
  const unknown = header.filter((h) => !KNOWN.includes(h));
  if (unknown.length > 0)
    throw new TicksFileError(
      path,
      1,
      `unknown column(s) ${unknown.join(", ")}; expected ${TICKS_CSV_HEADER}`,
    );
  return col;
}

/** Which field a record factory's message is about (it names the field first), for the error's column. */
function columnOf(message: string, col: Map<string, number>): string | null {
  for (const name of col.keys()) if (new RegExp(`\\b${name}\\b`).test(message)) return name;
  return null;
}

/** One data line → a tick; throws `TicksFileError` naming line and column. */
function parseRow(line: string, n: number, col: Map<string, number>, path: string): TickData {
  const f = line.split(",").map((v) => v.trim());
  if (f.length !== col.size) {
    throw new TicksFileError(
      path,
      n,
      `has ${f.length} field(s), the header ${col.size} (fields cannot contain commas)`,
    );
  }
  const get = (name: string): string | undefined => {
    const i = col.get(name);
    return i === undefined ? undefined : f[i];
  };
  const rawTime = get("time") ?? "";
  try {
    const bid = get("bid");
    const ask = get("ask");
    return tick({
      time: /^\d+$/.test(rawTime) ? new Date(Number(rawTime)) : rawTime,
      symbol: get("symbol") ?? "",
      price: get("price") ?? "",
      volume: get("volume") ?? "",
      bid: bid === undefined || bid === "" ? null : bid,
      ask: ask === undefined || ask === "" ? null : ask,
      source: get("source") ?? "csv",
    });
  } catch (err) {
    const message = errorMessage(err);
    throw new TicksFileError(path, n, message, columnOf(message, col));
  }
}

/** The ticks of a CSV file, one at a time, with their line numbers (streamed: bounded memory). */
function* ticksOfFile(path: string): Generator<[number, TickData]> {
  let col: Map<string, number> | null = null;
  let lines: Generator<[number, string]>;
  try {
    lines = fileLines(path);
    for (const [n, line] of lines) {
      if (col === null) {
        col = parseHeader(line, path);
        continue;
      }
      if (line.trim() === "") continue;
      yield [n, parseRow(line, n, col, path)];
    }
  } catch (err) {
    if (err instanceof TicksFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new TicksFileError(
      path,
      0,
      code === "ENOENT" ? "no such file" : `cannot be read (${code ?? String(err)})`,
    );
  }
  if (col === null) throw new TicksFileError(path, 0, `is empty; expected the header ${TICKS_CSV_HEADER}`);
}

/**
 * Parses ticks from CSV text with the header `time,symbol,price,volume[,bid,ask,source]` (any column
 * order; `time` is ISO 8601 or epoch milliseconds; empty bid/ask = none). Fields cannot contain commas;
 * every row has as many fields as the header; a column may appear once.
 */
export function parseTicksCsv(text: string, path = "<csv>"): TickData[] {
  const lines = text.split(/\r?\n/);
  const col = parseHeader(lines[0] ?? "", path);
  const ticks: TickData[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] ?? "";
    if (line.trim() !== "") ticks.push(parseRow(line, n + 1, col, path));
  }
  if (ticks.length === 0) throw new TicksFileError(path, 0, "holds no ticks");
  return ticks;
}

const MINUTE_MS = 60_000;
const minuteOf = (t: TickData): number => t.time.getTime() - (t.time.getTime() % MINUTE_MS);

/**
 * A session read from a ticks CSV, streamed: a first pass validates every row and learns the symbols, the time
 * span and the count; `batches()` reads the file again minute by minute, so memory holds one minute of ticks
 * whatever the file's size. Rows must come in minute order (within a minute any order: each minute is sorted);
 * a row that goes back to an earlier minute is an error naming its line. Fills are drawn with the seed as for
 * synthetic data.
 */
export function csvSession(path: string, seed: number, fillRate: number, orderPrefix: string): Session {
  const symbols = new Set<string>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let count = 0;
  let minute = Number.NEGATIVE_INFINITY;
  for (const [n, t] of ticksOfFile(path)) {
    const m = minuteOf(t);
    if (m < minute) {
      throw new TicksFileError(
        path,
        n,
        `goes back to the minute ${new Date(m).toISOString()} after ${new Date(minute).toISOString()}; ` +
          "rows must be in time order (sort the file by time)",
        "time",
      );
    }
    minute = m;
    symbols.add(t.symbol);
    first = Math.min(first, t.time.getTime());
    last = Math.max(last, t.time.getTime());
    count++;
  }
  if (count === 0) throw new TicksFileError(path, 0, "holds no ticks");
  const start = new Date(first - (first % MINUTE_MS));
  return {
    symbols: [...symbols].sort(),
    start,
    minutes: Math.floor((last - start.getTime()) / MINUTE_MS) + 1,
    tickCount: count,
    origin: `csv ${path}`,
    batches: function* () {
      const planner = new FillPlanner(new Prng(seed ^ 0x5bd1e995), fillRate, orderPrefix);
      let batch: TickData[] = [];
      let current = Number.NaN;
      const flush = (): MinuteBatch => {
        batch.sort((a, b) => a.time.getTime() - b.time.getTime());
        const fills = [];
        for (const t of batch) {
          const f = planner.maybeFill(t);
          if (f !== null) fills.push(f);
        }
        const at = new Date(current);
        const out = {
          minuteStart: at,
          ticks: batch,
          bars: barsFromTicks(at, batch),
          fills,
        } satisfies MinuteBatch;
        batch = [];
        return out;
      };
      for (const [, t] of ticksOfFile(path)) {
        const m = minuteOf(t);
        if (m !== current && batch.length > 0) yield flush();
        current = m;
        batch.push(t);
      }
      if (batch.length > 0) yield flush();
    },
  };
}
