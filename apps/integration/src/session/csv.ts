import { readFileSync } from "node:fs";
import { type TickData, tick } from "@qts/contracts";
import { barsFromTicks } from "./bars.js";
import { FillPlanner } from "./fills.js";
import { Prng } from "./prng.js";
import type { MinuteBatch, Session } from "./types.js";

/** The header a ticks CSV must start with; the last three columns are optional. */
export const TICKS_CSV_HEADER = "time,symbol,price,volume[,bid,ask,source]";
const REQUIRED = ["time", "symbol", "price", "volume"] as const;
const OPTIONAL = ["bid", "ask", "source"] as const;

/** A ticks file that cannot be read; `line` is 1-based (0 = the file itself). */
export class TicksFileError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    reason: string,
  ) {
    super(line > 0 ? `${path}:${line}: ${reason}` : `${path}: ${reason}`);
    this.name = "TicksFileError";
  }
}

function parseTime(raw: string): Date | string {
  return /^\d+$/.test(raw) ? new Date(Number(raw)) : raw;
}

/**
 * Parses ticks from CSV text with the header `time,symbol,price,volume[,bid,ask,source]` (any column
 * order; `time` is ISO 8601 or epoch milliseconds; empty bid/ask = none). Fields cannot contain commas.
 */
export function parseTicksCsv(text: string, path = "<csv>"): TickData[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().toLowerCase());
  const col = new Map(header.map((h, i) => [h, i]));
  const missing = REQUIRED.filter((c) => !col.has(c));
  if (missing.length > 0) {
    throw new TicksFileError(path, 1, `header lacks ${missing.join(", ")}; expected ${TICKS_CSV_HEADER}`);
  }
  const unknown = header.filter(
    (h) => !(REQUIRED as readonly string[]).includes(h) && !(OPTIONAL as readonly string[]).includes(h),
  );
  if (unknown.length > 0)
    throw new TicksFileError(
      path,
      1,
      `unknown column(s) ${unknown.join(", ")}; expected ${TICKS_CSV_HEADER}`,
    );
  const ticks: TickData[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] ?? "";
    if (line.trim() === "") continue;
    const f = line.split(",").map((v) => v.trim());
    const get = (name: string): string | undefined => {
      const i = col.get(name);
      return i === undefined ? undefined : f[i];
    };
    try {
      const bid = get("bid");
      const ask = get("ask");
      ticks.push(
        tick({
          time: parseTime(get("time") ?? ""),
          symbol: get("symbol") ?? "",
          price: get("price") ?? "",
          volume: get("volume") ?? "",
          bid: bid === undefined || bid === "" ? null : bid,
          ask: ask === undefined || ask === "" ? null : ask,
          source: get("source") ?? "csv",
        }),
      );
    } catch (err) {
      throw new TicksFileError(path, n + 1, err instanceof Error ? err.message : String(err));
    }
  }
  if (ticks.length === 0) throw new TicksFileError(path, 0, "holds no ticks");
  return ticks;
}

/** A session read from a ticks CSV: grouped by UTC minute; fills are drawn with the seed as for synthetic data. */
export function csvSession(path: string, seed: number, fillRate: number, orderPrefix: string): Session {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new TicksFileError(
      path,
      0,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  const ticks = parseTicksCsv(text, path).sort((a, b) => a.time.getTime() - b.time.getTime());
  const first = ticks[0]!.time.getTime();
  const last = ticks[ticks.length - 1]!.time.getTime();
  const start = new Date(first - (first % 60_000));
  const minutes = Math.floor((last - start.getTime()) / 60_000) + 1;
  const symbols = [...new Set(ticks.map((t) => t.symbol))].sort();
  return {
    symbols,
    start,
    minutes,
    tickCount: ticks.length,
    origin: `csv ${path}`,
    batches: function* () {
      const planner = new FillPlanner(new Prng(seed ^ 0x5bd1e995), fillRate, orderPrefix);
      let i = 0;
      while (i < ticks.length) {
        const t0 = ticks[i]!.time.getTime();
        const minuteStart = t0 - (t0 % 60_000);
        const batch: TickData[] = [];
        while (i < ticks.length && ticks[i]!.time.getTime() < minuteStart + 60_000) batch.push(ticks[i++]!);
        const fills = [];
        for (const t of batch) {
          const f = planner.maybeFill(t);
          if (f !== null) fills.push(f);
        }
        const at = new Date(minuteStart);
        yield { minuteStart: at, ticks: batch, bars: barsFromTicks(at, batch), fills } satisfies MinuteBatch;
      }
    },
  };
}
