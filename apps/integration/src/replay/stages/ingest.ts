import { chunks, type DataSourceAdapter, type OHLCV, type TickData } from "@qts/contracts";
import { retryWhileUnavailable } from "./unavailable.js";

/** What the ingest stage wrote. */
export interface IngestCounts {
  ticks: number;
  bars: number;
  /** Time spent inside `appendTicks` / `appendOhlcv`. */
  ms: number;
  /** Tick/bar writes retried while the store was unavailable. */
  retries: number;
}

/**
 * Writes each minute's ticks (in batches of `batchSize`) and 1m bars to the store. Retried while the store is
 * unavailable (a restart takes seconds). Bars are upserts; ticks are an append-only log, so a batch whose
 * commit was lost with its answer could land twice (a window of one commit acknowledgement; fills, which must
 * never, carry ids).
 */
export class IngestStage {
  readonly #db: DataSourceAdapter;
  readonly #batchSize: number;
  readonly #counts: IngestCounts = { ticks: 0, bars: 0, ms: 0, retries: 0 };

  constructor(db: DataSourceAdapter, batchSize: number) {
    this.#db = db;
    this.#batchSize = batchSize;
  }

  /** The totals so far. */
  get counts(): Readonly<IngestCounts> {
    return this.#counts;
  }

  async run(ticks: readonly TickData[], bars: readonly OHLCV[]): Promise<void> {
    const c = this.#counts;
    const t = performance.now();
    const again = () => {
      c.retries += 1;
    };
    for (const part of chunks(ticks, this.#batchSize))
      c.ticks += await retryWhileUnavailable(() => this.#db.appendTicks(part), again);
    if (bars.length > 0) c.bars += await retryWhileUnavailable(() => this.#db.appendOhlcv(bars, "1m"), again);
    c.ms += performance.now() - t;
  }
}
