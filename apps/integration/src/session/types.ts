import type { Decimal, OHLCV, TickData } from "@qts/contracts";

/** A trade the replay applies: booked once through `CacheManager.applyFill` (ledger + position + cache). */
export interface Fill {
  readonly time: Date;
  readonly symbol: string;
  readonly side: "BUY" | "SELL";
  readonly qty: Decimal;
  readonly price: Decimal;
  /** Unique within the run, e.g. `R1A2B-000042`. */
  readonly orderId: string;
}

/** One simulated minute: every tick of that minute (ascending time), its 1m bars and the fills it produced. */
export interface MinuteBatch {
  readonly minuteStart: Date;
  readonly ticks: readonly TickData[];
  readonly bars: readonly OHLCV[];
  readonly fills: readonly Fill[];
}

/** A market session to replay, produced lazily minute by minute. */
export interface Session {
  readonly symbols: readonly string[];
  readonly start: Date;
  readonly minutes: number;
  /** Expected number of ticks (for the progress bar). */
  readonly tickCount: number;
  /** Where it came from: `synthetic seed=42` or `csv path/to/file.csv`. */
  readonly origin: string;
  batches(): Iterable<MinuteBatch>;
}
