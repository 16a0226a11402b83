import type { FillResult } from "@qts/contracts";
import { bookableFill } from "../../session/fills.js";
import type { Fill } from "../../session/types.js";
import { Samples } from "../stats.js";
import type { ReplayCache } from "../types.js";
import type { ErrorNotes } from "./notes.js";
import { retryWhileUnavailable } from "./unavailable.js";

/** What the fill stage booked. */
export interface FillCounts {
  applied: number;
  /** Ledger appends that succeeded (each must show up in the ledger check). */
  ledgerAppended: number;
  rejected: number;
  retries: number;
  /** applyFill answers `duplicate: true` (a retry whose first attempt had committed). */
  duplicates: number;
  /** Time spent in the fill phases. */
  ms: number;
  latency: Samples;
}

/**
 * Books each minute's fills through the cache manager: one chain per symbol (a symbol's fills in order,
 * symbols in parallel). Each fill is booked exactly once: `applyFill` with the same fill until the store
 * answers (a `DataSourceUnavailableError` may hide a commit: the retry then comes back `duplicate: true`); the
 * manager's `applyFill` writes the booked position through the cache (versioned) in the same call.
 */
export class FillStage {
  readonly #cache: ReplayCache;
  readonly #runTag: string;
  readonly #notes: ErrorNotes;
  readonly #counts: FillCounts = {
    applied: 0,
    ledgerAppended: 0,
    rejected: 0,
    retries: 0,
    duplicates: 0,
    ms: 0,
    latency: new Samples(),
  };

  /** `runTag` is written as the ledger entries' strategyTag. */
  constructor(cache: ReplayCache, runTag: string, notes: ErrorNotes) {
    this.#cache = cache;
    this.#runTag = runTag;
    this.#notes = notes;
  }

  /** The totals so far. */
  get counts(): Readonly<FillCounts> {
    return this.#counts;
  }

  async run(fills: readonly Fill[]): Promise<void> {
    const t = performance.now();
    const bySymbol = new Map<string, Fill[]>();
    for (const f of fills) {
      const list = bySymbol.get(f.symbol);
      if (list === undefined) bySymbol.set(f.symbol, [f]);
      else list.push(f);
    }
    await Promise.all(
      [...bySymbol.values()].map(async (list) => {
        for (const f of list) await this.#applyOne(f);
      }),
    );
    this.#counts.ms += performance.now() - t;
  }

  async #applyOne(f: Fill): Promise<void> {
    const c = this.#counts;
    const booking = bookableFill(f, { strategyTag: this.#runTag, broker: "qts-replay" });
    const t = performance.now();
    let booked: FillResult;
    try {
      booked = await retryWhileUnavailable(
        () => this.#cache.applyFill(booking),
        () => {
          c.retries += 1;
        },
      );
    } catch (err) {
      c.rejected += 1;
      this.#notes.note(`applyFill(${booking.fillId})`, err);
      return;
    }
    c.ledgerAppended += 1;
    if (booked.duplicate) c.duplicates += 1;
    c.applied += 1;
    c.latency.add(performance.now() - t);
  }
}
