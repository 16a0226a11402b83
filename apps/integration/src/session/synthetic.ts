import { Decimal, type TickData, tick } from "@qts/contracts";
import { barsFromTicks } from "./bars.js";
import { FillPlanner } from "./fills.js";
import { Prng } from "./prng.js";
import type { MinuteBatch, Session } from "./types.js";

export const DEFAULT_SYMBOLS: readonly string[] = Object.freeze([
  "AAPL",
  "MSFT",
  "NVDA",
  "AMZN",
  "GOOGL",
  "META",
  "TSLA",
  "JPM",
  "V",
  "XOM",
  "UNH",
  "JNJ",
  "WMT",
  "PG",
  "MA",
  "HD",
]);

export interface SyntheticOptions {
  readonly seed: number;
  readonly symbols: readonly string[];
  readonly minutes: number;
  readonly ticksPerMinute: number;
  /** Share of ticks that become fills, 0..1. */
  readonly fillRate: number;
  readonly start: Date;
  /** Prefix of generated order ids. */
  readonly orderPrefix: string;
}

/** `n` symbol names: the well-known tickers first, then SYM0017, SYM0018, ... */
export function symbolNames(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(DEFAULT_SYMBOLS[i] ?? `SYM${String(i + 1).padStart(4, "0")}`);
  return out;
}

const CENT = new Decimal("0.01");

/**
 * A reproducible synthetic session: per symbol a geometric random walk in cents, `ticksPerMinute` ticks each
 * minute at strictly increasing times, bid/ask around the price, and 1m bars built from those ticks.
 * The same options give byte-identical data.
 */
export function syntheticSession(o: SyntheticOptions): Session {
  return {
    symbols: o.symbols,
    start: o.start,
    minutes: o.minutes,
    tickCount: o.symbols.length * o.minutes * o.ticksPerMinute,
    origin: `synthetic seed=${o.seed}`,
    batches: () => generate(o),
  };
}

function* generate(o: SyntheticOptions): Generator<MinuteBatch> {
  const prng = new Prng(o.seed);
  const planner = new FillPlanner(new Prng(o.seed ^ 0x5bd1e995), o.fillRate, o.orderPrefix);
  const state = o.symbols.map((symbol) => ({
    symbol,
    price: 20 + prng.next() * 480,
    vol: 0.0002 + prng.next() * 0.0008, // per-tick log volatility
  }));
  const k = o.ticksPerMinute;
  for (let m = 0; m < o.minutes; m++) {
    const minuteStart = new Date(o.start.getTime() + m * 60_000);
    const ticks: TickData[] = [];
    for (const s of state) {
      for (let i = 0; i < k; i++) {
        s.price = Math.max(0.01, s.price * Math.exp(s.vol * prng.normal()));
        const price = new Decimal(s.price.toFixed(2));
        const spread = CENT.mul(prng.int(1, 5));
        const offset = Math.floor(((i + prng.next()) * 60_000) / k);
        ticks.push(
          tick({
            time: new Date(minuteStart.getTime() + offset),
            symbol: s.symbol,
            price,
            volume: prng.int(1, 500),
            bid: Decimal.max(0, price.minus(spread)),
            ask: price.plus(spread),
            source: "synthetic",
          }),
        );
      }
    }
    ticks.sort((a, b) => a.time.getTime() - b.time.getTime());
    const fills = [];
    for (const t of ticks) {
      const f = planner.maybeFill(t);
      if (f !== null) fills.push(f);
    }
    yield { minuteStart, ticks, bars: barsFromTicks(minuteStart, ticks), fills };
  }
}
