import { chunks, priceQuoteFromTick, priceToHash, type TickData } from "@qts/contracts";
import type { ReplayCache } from "../types.js";
import type { ErrorNotes } from "./notes.js";

/** What the price stage pushed. */
export interface PriceCounts {
  /** `pushPrice` calls that cached the price. */
  pushed: number;
  /** `pushPrice` calls that answered false or threw (open circuit, Redis down). */
  failures: number;
}

/** Pushes every tick's price through the cache, `concurrency` in flight; notes the first failure only. */
export class PriceStage {
  readonly #cache: ReplayCache;
  readonly #concurrency: number;
  readonly #notes: ErrorNotes;
  readonly #counts: PriceCounts = { pushed: 0, failures: 0 };

  constructor(cache: ReplayCache, concurrency: number, notes: ErrorNotes) {
    this.#cache = cache;
    this.#concurrency = concurrency;
    this.#notes = notes;
  }

  /** The totals so far. */
  get counts(): Readonly<PriceCounts> {
    return this.#counts;
  }

  async run(ticks: readonly TickData[]): Promise<void> {
    const c = this.#counts;
    for (const part of chunks(ticks, this.#concurrency)) {
      await Promise.all(
        part.map(async (t) => {
          const data = priceToHash(priceQuoteFromTick(t, Date.now()));
          try {
            if (await this.#cache.pushPrice(t.symbol, data)) c.pushed += 1;
            else c.failures += 1;
          } catch (err) {
            c.failures += 1;
            if (c.failures <= 1) this.#notes.note("pushPrice", err);
          }
        }),
      );
    }
  }
}
