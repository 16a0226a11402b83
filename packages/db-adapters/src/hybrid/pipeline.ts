import { type DataSourceAdapter, DataSourceUnavailableError } from "@qts/contracts";
import { applyOp, isPermanent, type QueuedOp } from "./secondary-queue.js";

/** Most ticks replayed in one `appendTicks` when queued tick writes are merged. */
const MAX_TICK_BATCH = 5000;

export type PipelineEvent = "secondary write failed" | "overflow" | "recovered";

export interface PipelineOptions {
  maxBacklog: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called when the pipeline becomes degraded (a failure, an overflow) or recovers. */
  onEvent: (event: PipelineEvent) => void;
}

/**
 * The ordered pipeline of secondary writes of a `HybridAdapter`: applies them one at a time in call order;
 * a failed write stays at the head and is retried with full-jitter exponential backoff (later writes wait
 * behind it, so their order is kept); at most `maxBacklog` writes are kept, newer ones are dropped and
 * `needsRepair` is set.
 */
export class SecondaryPipeline {
  #queue: QueuedOp[] = [];
  #pumping: Promise<void> | null = null;
  #failures = 0;
  #lastError = "";
  #degraded = false;
  #dropped = 0;
  #diverged = 0;
  #needsRepair = false;
  #stopped = false;
  #paused = false;
  #draining = 0;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #emptyWaiters: (() => void)[] = [];

  constructor(
    readonly primary: DataSourceAdapter,
    readonly secondary: DataSourceAdapter,
    readonly options: PipelineOptions,
  ) {}

  get backlog(): number {
    return this.#queue.length;
  }
  get needsRepair(): boolean {
    return this.#needsRepair;
  }
  get dropped(): number {
    return this.#dropped;
  }
  get diverged(): number {
    return this.#diverged;
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
      this.#wake?.();
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
    this.#wake?.();
    await this.#pumping;
  }

  resume(): void {
    this.#paused = false;
    this.#kick();
    this.#notifyIfEmpty();
  }

  /** Drops queued writes that `keep` rejects (only while paused). */
  retain(keep: (item: QueuedOp) => boolean): void {
    this.#queue = this.#queue.filter(keep);
  }

  /** After a repair that left nothing unrepairable. */
  markRepaired(): void {
    this.#needsRepair = false;
  }

  /** Stops retrying for good (after the write in flight). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
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
    let immediate = true;
    while (this.#queue.length > 0 && !this.#stopped && !this.#paused) {
      const item = this.#queue[0] as QueuedOp;
      try {
        const first = immediate && item.attempts === 0;
        const batch = first ? [item] : this.#tickBatch();
        if (batch.length > 1) await this.#applyTickBatch(batch);
        else await applyOp(item, this.primary, this.secondary, first);
        this.#queue.splice(0, batch.length);
        // A fill waits for the primary before it is applied: nothing diverged when the primary rejected it.
        if (first && item.op.kind !== "fill" && !(await item.primaryOk)) this.#divergedFrom(item);
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
        this.#failures++;
        this.#lastError = message;
        if (!this.#degraded) this.#event("secondary write failed");
        await this.#backoff();
      }
      immediate = false;
    }
  }

  /** The head of the queue plus the tick writes right behind it (up to 5000 ticks): replayed as one write. */
  #tickBatch(): QueuedOp[] {
    const head = this.#queue[0] as QueuedOp;
    if (head.op.kind !== "ticks") return [head];
    const batch = [head];
    let n = head.op.ticks.length;
    for (const next of this.#queue.slice(1)) {
      if (next.op.kind !== "ticks" || n + next.op.ticks.length > MAX_TICK_BATCH) break;
      batch.push(next);
      n += next.op.ticks.length;
    }
    return batch;
  }

  async #applyTickBatch(batch: readonly QueuedOp[]): Promise<void> {
    const ok = await Promise.all(batch.map((b) => b.primaryOk));
    const ticks = batch.flatMap((b, i) => (ok[i] && b.op.kind === "ticks" ? b.op.ticks : []));
    if (ticks.length === 0) return;
    const attempts = Math.max(...batch.map((b) => b.attempts));
    await applyOp(
      { op: { kind: "ticks", ticks }, primaryOk: Promise.resolve(true), attempts },
      this.primary,
      this.secondary,
      false,
    );
  }

  /**
   * A write applied at once, concurrently with the primary, which then rejected it: the stores diverge. A
   * position is restored from the primary once it answers; other kinds stay diverged (see verifyConsistency).
   */
  #divergedFrom(item: QueuedOp): void {
    this.#diverged++;
    const { op } = item;
    const symbol = op.kind === "position" ? op.symbol : op.kind === "putPosition" ? op.position.symbol : null;
    if (symbol === null) return;
    this.#queue.push({
      op: { kind: "restorePosition", symbol },
      primaryOk: Promise.resolve(true),
      attempts: 0,
    });
  }

  #backoff(): Promise<void> {
    const { baseDelayMs, maxDelayMs } = this.options;
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(this.#failures - 1, 30));
    const delay = Math.random() * (this.#draining > 0 ? Math.min(cap, 50) : cap);
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, delay);
      this.#timer.unref?.();
    }).finally(() => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#wake = null;
    });
  }

  #notifyIfEmpty(): void {
    if (this.#queue.length > 0) return;
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
