import type { DataSourceAdapter } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { ChannelBase, type ChannelOptions, type SecondaryChannel } from "./channel.js";
import { deliverPass, readyWrites } from "./lanes.js";
import type { QueuedOp, SecondaryOp } from "./secondary-queue.js";

/** Most queued writes delivered in one pass. */
const PASS_SIZE = 1000;

/**
 * The in-memory pipeline of secondary writes of a `HybridAdapter`. It receives only writes the primary
 * accepted, in the order the primary acknowledged them, and delivers them in passes: up to 1000 queued writes
 * at a time, split into lanes (`laneOf`: one symbol's position and fill writes, bars, ticks, identical ledger
 * entries), each lane in order, lanes at once, so a secondary that batches (Sheets: one request per tab per
 * flush) gets a whole pass in a few requests. A failed write stays queued with the rest of its lane, which
 * waits out a full-jitter exponential backoff of that write's attempts while the other lanes go on; at most
 * `maxBacklog` writes are kept, newer ones are dropped and `needsRepair` is set.
 */
export class SecondaryPipeline extends ChannelBase implements SecondaryChannel {
  #queue: QueuedOp[] = [];
  /** A write failed since the queue was last empty: what is queued may already have (partly) landed. */
  #unsure = false;

  constructor(
    readonly primary: DataSourceAdapter,
    readonly secondary: DataSourceAdapter,
    options: ChannelOptions,
  ) {
    super(options);
  }

  get backlog(): number {
    return this.#queue.length;
  }

  enqueue(item: QueuedOp): void {
    if (this.#queue.length >= this.options.maxBacklog) {
      this.dropWrite(
        `backlog full (${this.options.maxBacklog}): a ${item.op.kind} write was dropped; run repair()`,
      );
      this.event("overflow");
      return;
    }
    this.#queue.push(item);
    this.wakeFor(item.op);
    this.kick();
  }

  /** Drops queued writes of these kinds (only while paused). */
  async discard(kinds: readonly SecondaryOp["kind"][]): Promise<void> {
    this.#queue = this.#queue.filter((q) => !kinds.includes(q.op.kind));
  }

  protected knownEmpty(): boolean {
    return this.#queue.length === 0;
  }

  protected pendingText(): string {
    return `${this.#queue.length} secondary write(s)`;
  }

  protected override notifyEmpty(): void {
    this.#unsure = false;
    super.notifyEmpty();
  }

  protected async pump(): Promise<void> {
    while (this.#queue.length > 0 && !this.stopped && !this.paused) {
      this.beginPass();
      const hurry = this.draining > 0;
      const now = performance.now();
      const { ready, nextDue, waiting } = readyWrites(this.#queue, PASS_SIZE, now, hurry);
      if (ready.length === 0) {
        // Every lane waits out a retry: a write for another lane, drain, pause or stop wakes it.
        await this.sleepForLanes(nextDue - now, waiting);
        continue;
      }
      const outcome = await deliverPass(ready, this.primary, this.secondary, this.#unsure);
      if (outcome.finished.size > 0) this.#queue = this.#queue.filter((q) => !outcome.finished.has(q));
      for (const { item, error } of outcome.rejected) {
        const message = errorMessage(error);
        this.dropWrite(`secondary rejected a ${item.op.kind} write: ${message}`);
      }
      if (outcome.retrying.length > 0) {
        // Each failed write's lane waits by that write's own attempts; the other lanes go on at once.
        this.#unsure = true;
        this.scheduleRetries(outcome.retrying);
        this.noteFailure(outcome.failure);
      } else if (!this.#queue.some((q) => q.attempts > 0)) {
        this.delivered(); // nothing queued is failing any more
      }
    }
  }
}
