import { setImmediate as yieldNow } from "node:timers/promises";
import { Samples } from "../stats.js";
import type { ReplayCache } from "../types.js";
import { ErrorNotes } from "./notes.js";

/** What the reader loops saw. */
export interface ReaderResult {
  positionReads: number;
  failedPositionReads: number;
  priceReads: number;
  priceMisses: number;
  failedPriceReads: number;
  positionLatency: Samples;
  /** The first few errors, for the summary. */
  errors: string[];
}

/**
 * `n` concurrent loops, each reading `getPosition` then `getPrice` of a random symbol until `stop()`;
 * getPosition latency is timed with `performance.now()`. Each loop yields to the event loop every 32
 * iterations so timers and I/O keep running on an in-memory setup.
 */
export function startReaders(cache: ReplayCache, symbols: readonly string[], n: number, pauseMs = 0) {
  const notes = new ErrorNotes(5);
  const r: ReaderResult = {
    positionReads: 0,
    failedPositionReads: 0,
    priceReads: 0,
    priceMisses: 0,
    failedPriceReads: 0,
    positionLatency: new Samples(),
    errors: notes.lines,
  };
  let running = true;
  const loop = async () => {
    for (let i = 1; running; i++) {
      const symbol = symbols[Math.floor(Math.random() * symbols.length)]!;
      const t = performance.now();
      try {
        await cache.getPosition(symbol);
        r.positionLatency.add(performance.now() - t);
        r.positionReads += 1;
      } catch (err) {
        r.failedPositionReads += 1;
        notes.note(`getPosition(${symbol})`, err);
      }
      try {
        const price = await cache.getPrice(symbol);
        r.priceReads += 1;
        if (price === null) r.priceMisses += 1;
      } catch (err) {
        r.failedPriceReads += 1;
        notes.note(`getPrice(${symbol})`, err);
      }
      if (pauseMs > 0) await new Promise((res) => setTimeout(res, pauseMs));
      else if (i % 32 === 0) await yieldNow();
    }
  };
  const loops = Array.from({ length: n }, loop);
  return {
    result: r,
    async stop(): Promise<ReaderResult> {
      running = false;
      await Promise.all(loops);
      return r;
    },
  };
}
