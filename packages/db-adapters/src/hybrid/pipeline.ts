import { type DataSourceAdapter, DataSourceUnavailableError } from "@qts/contracts";
import { Backoff } from "./backoff.js";
import type { ChannelOptions, PipelineEvent, SecondaryChannel } from "./channel.js";
import { applyOp, isPermanent, type QueuedOp, type SecondaryOp } from "./secondary-queue.js";

/** Most ticks replayed in one `appendTicks` when queued tick writes are merged. */
const MAX_TICK_BATCH = 5000;

/**
 * The ordered pipeline of secondary writes of a `HybridAdapter`. It receives only writes the primary accepted,
 * in the order the primary acknowledged them, and applies them one at a time;
 * a failed write stays at the head and is retried with full-jitter exponential backoff (later writes wait
 * behind it, so their order is kept); at most `maxBacklog` writes are kept, newer ones are dropped and
 * `needsRepair` is set.
 */
export class SecondaryPipeline implements SecondaryChannel {
  #queue: QueuedOp[] = [];
  #pumping: Promise<void> | null = null;
  #failures = 0;
  #lastError = "";
  #degraded = false;
  #dropped = 0;
  /** A write failed since the queue was last empty: what is queued may already have (partly) landed. */
  #unsure = false;
  #needsRepair = false;
  #stopped = false;
  #paused = false;
  #draining = 0;
  readonly #backoff: Backoff;
  #emptyWaiters: (() => void)[] = [];

  constructor(
    readonly primary: DataSourceAdapter,
    readonly secondary: DataSourceAdapter,
    readonly options: ChannelOptions,
  ) {
    this.#backoff = new Backoff(options.baseDelayMs, options.maxDelayMs);
  }

  get backlog(): number {
    return this.#queue.length;
  }
  get needsRepair(): boolean {
    return this.#needsRepair;
  }
  get dropped(): number {
    return this.#dropped;
  }
  get lastError(): string {
    return this.#lastError;
  }
  /** Writes are failing with a backlog, or some were dropped. */
  get degraded(): boolean {
    return this.#needsRepair || (this.#queue.length > 0 && this.#failures > 0);
  }

  enqueue(item: QueuedOp): void {
    if (this.#queue.length >= this.options.maxBacklog) {
      this.#dropped++;
      this.#needsRepair = true;
      this.#lastError = `backlog full (${this.options.maxBacklog}): a ${item.op.kind} write was dropped; run repair()`;
      this.#event("overflow");
      return;
    }
    this.#queue.push(item);
    this.#kick();
  }

  /** Resolves when the backlog is empty; rejects with `DataSourceUnavailableError` after `timeoutMs`. */
  async drain(timeoutMs: number, source: string): Promise<void> {
    if (this.#queue.length === 0) return;
    this.#draining++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const empty = new Promise<void>((resolve) => this.#emptyWaiters.push(resolve));
      this.#backoff.wake();
      this.#kick();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = this.#lastError ? ` (${this.#lastError})` : "";
          const message = `${source}: ${this.#queue.length} secondary write(s) still pending after ${timeoutMs} ms${why}`;
          reject(new DataSourceUnavailableError(message, { source }));
        }, timeoutMs);
      });
      await Promise.race([empty, timeout]);
    } finally {
      clearTimeout(timer);
      this.#draining--;
    }
  }

  /** Stops after the write in flight (for `repair`); `resume()` restarts. */
  async pause(): Promise<void> {
    this.#paused = true;
    this.#backoff.wake();
    await this.#pumping;
  }

  resume(): void {
    this.#paused = false;
    this.#kick();
    this.#notifyIfEmpty();
  }

  /** Drops queued writes of these kinds (only while paused). */
  async discard(kinds: readonly SecondaryOp["kind"][]): Promise<void> {
    this.#queue = this.#queue.filter((q) => !kinds.includes(q.op.kind));
  }

  /** After a repair that left nothing unrepairable. */
  markRepaired(): void {
    this.#needsRepair = false;
  }

  /** Stops retrying for good (after the write in flight). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#backoff.wake();
    await this.#pumping;
  }

  #kick(): void {
    if (this.#pumping || this.#stopped || this.#paused || this.#queue.length === 0) return;
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = null;
      this.#notifyIfEmpty();
      if (!this.#stopped && !this.#paused && this.#queue.length > 0) this.#kick();
    });
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0 && !this.#stopped && !this.#paused) {
      const item = this.#queue[0] as QueuedOp;
      try {
        const batch = this.#tickBatch();
        const op: SecondaryOp = batch.length > 1 ? mergeTicks(batch) : item.op;
        await applyOp(op, this.primary, this.secondary, this.#unsure || item.attempts > 0);
        this.#queue.splice(0, batch.length);
        if (this.#failures > 0) {
          this.#failures = 0;
          this.#lastError = "";
        }
        this.#notifyIfEmpty();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (isPermanent(error)) {
          this.#queue.shift();
          this.#dropped++;
          this.#needsRepair = true;
          this.#lastError = `secondary rejected a ${item.op.kind} write: ${message}`;
          continue;
        }
        item.attempts++;
        this.#unsure = true;
        this.#failures++;
        this.#lastError = message;
        if (!this.#degraded) this.#event("secondary write failed");
        await this.#backoff.wait(this.#failures, this.#draining > 0);
      }
    }
  }

  /** The head of the queue plus the tick writes right behind it (up to 5000 ticks): replayed as one write. */
  #tickBatch(): QueuedOp[] {
    const head = this.#queue[0] as QueuedOp;
    if (head.op.kind !== "ticks") return [head];
    const batch = [head];
    let n = head.op.ticks.length;
    for (let i = 1; i < this.#queue.length; i++) {
      const next = this.#queue[i] as QueuedOp;
      if (next.op.kind !== "ticks" || n + next.op.ticks.length > MAX_TICK_BATCH) break;
      batch.push(next);
      n += next.op.ticks.length;
    }
    return batch;
  }

  #notifyIfEmpty(): void {
    if (this.#queue.length > 0) return;
    this.#unsure = false;
    for (const w of this.#emptyWaiters.splice(0)) w();
    if (this.#degraded && !this.#needsRepair) this.#event("recovered");
  }

  #event(event: PipelineEvent): void {
    this.#degraded = event !== "recovered";
    try {
      this.options.onEvent(event);
    } catch {
      // A listener must not break writes.
    }
  }
}

/** Consecutive queued tick writes replayed as one `appendTicks`. */
function mergeTicks(batch: readonly QueuedOp[]): SecondaryOp {
  return { kind: "ticks", ticks: batch.flatMap((b) => (b.op.kind === "ticks" ? b.op.ticks : [])) };
}
