import { DataSourceUnavailableError, withTimeout } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { Backoff } from "./backoff.js";
import { laneOf } from "./lanes.js";
import type { QueuedOp, SecondaryOp } from "./secondary-queue.js";

export type PipelineEvent = "secondary write failed" | "overflow" | "recovered";

/** Retry settings and the event callback shared by both secondary channels. */
export interface ChannelOptions {
  maxBacklog: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Called when the channel becomes degraded (a failure, an overflow) or recovers. */
  onEvent: (event: PipelineEvent) => void;
}

/**
 * How a `HybridAdapter` hands the writes its primary accepted to the secondary: the in-memory
 * `SecondaryPipeline` (any primary), or the `OutboxRelay` (a primary with a transactional outbox).
 */
export interface SecondaryChannel {
  /** Writes waiting for the secondary (the outbox depth for the relay). */
  readonly backlog: number;
  readonly needsRepair: boolean;
  readonly dropped: number;
  readonly lastError: string;
  readonly degraded: boolean;
  /** A write the primary accepted (the relay only needs the nudge: the row is in the outbox already). */
  enqueue(item: QueuedOp): void;
  drain(timeoutMs: number, source: string): Promise<void>;
  pause(): Promise<void>;
  resume(): void;
  /** Drops waiting writes of these kinds (while paused; a repair copied what they carried). */
  discard(kinds: readonly SecondaryOp["kind"][]): Promise<void>;
  markRepaired(): void;
  stop(): Promise<void>;
}

/**
 * What both secondary channels share: the retry `Backoff`, failure and repair bookkeeping, degraded/recovered
 * events, pause/resume/stop, and `drain` (a wait for the channel to empty, bounded by the one `withTimeout`).
 * A subclass supplies `pump()` (deliver until empty, stopped or paused) and `backlog`.
 */
export abstract class ChannelBase {
  protected readonly backoff: Backoff;
  protected failures = 0;
  protected error = "";
  protected droppedWrites = 0;
  protected repairNeeded = false;
  protected stopped = false;
  protected paused = false;
  /** Callers waiting in `drain()`: retry waits are cut to 50 ms. */
  protected draining = 0;
  #pumping: Promise<void> | null = null;
  /**
   * While the pump sleeps because every lane it saw waits out a retry: those lanes (see `wakeFor`); null while
   * not sleeping, or when no new write can help (the relay's window is full of waiting rows).
   */
  #sleepingFor: ReadonlySet<string> | null = null;
  /** Writes handed over since the current pass began (a pass that cannot see them must not sleep past them). */
  #arrived: SecondaryOp[] = [];
  #sleeping = false;
  #reportedDegraded = false;
  #emptyWaiters: (() => void)[] = [];

  constructor(protected readonly options: ChannelOptions) {
    this.backoff = new Backoff(options.baseDelayMs, options.maxDelayMs);
  }

  abstract get backlog(): number;
  /** Delivers until the channel is empty, stopped or paused. */
  protected abstract pump(): Promise<void>;
  /** Whether the channel knows it is empty without looking (the in-memory queue; the relay must look). */
  protected abstract knownEmpty(): boolean;
  /** What is still pending, for the drain timeout message (e.g. "3 secondary write(s)"). */
  protected abstract pendingText(): string;

  get needsRepair(): boolean {
    return this.repairNeeded;
  }
  get dropped(): number {
    return this.droppedWrites;
  }
  get lastError(): string {
    return this.error;
  }
  /** Writes are failing with a backlog, or some were dropped. */
  get degraded(): boolean {
    return this.repairNeeded || (this.backlog > 0 && this.failures > 0);
  }

  /** Resolves when the channel is empty; rejects with `DataSourceUnavailableError` after `timeoutMs`. */
  async drain(timeoutMs: number, source: string): Promise<void> {
    if (this.knownEmpty()) return;
    this.draining++;
    let waiter: (() => void) | undefined;
    try {
      const empty = new Promise<void>((resolve) => {
        waiter = resolve;
        this.#emptyWaiters.push(resolve);
      });
      this.backoff.wake();
      this.kick();
      await withTimeout(empty, timeoutMs, () => {
        const why = this.error ? ` (${this.error})` : "";
        return new DataSourceUnavailableError(
          `${source}: ${this.pendingText()} still pending after ${timeoutMs} ms${why}`,
          { source },
        );
      });
    } finally {
      this.draining--;
      const at = waiter === undefined ? -1 : this.#emptyWaiters.indexOf(waiter);
      if (at >= 0) this.#emptyWaiters.splice(at, 1); // a drain that timed out leaves no waiter behind
    }
  }

  /** Stops after the write in flight (for `repair`); `resume()` restarts. */
  async pause(): Promise<void> {
    this.paused = true;
    this.backoff.wake();
    await this.#pumping;
  }

  resume(): void {
    this.paused = false;
    this.kick();
    if (this.knownEmpty()) this.notifyEmpty();
  }

  /** After a repair that left nothing unrepairable. */
  markRepaired(): void {
    this.repairNeeded = false;
  }

  /** Stops retrying for good (after the write in flight). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.backoff.wake();
    await this.#pumping;
  }

  /** Starts a pump unless one runs (or the channel is stopped, paused or known empty). */
  protected kick(): void {
    if (this.#pumping || this.stopped || this.paused || this.knownEmpty()) return;
    this.#pumping = this.pump().finally(() => {
      this.#pumping = null;
      if (this.backlog === 0) this.notifyEmpty();
      else if (!this.stopped && !this.paused) this.kick();
    });
  }

  /** A delivery failed and will be retried: record it and tell the listener (once per degraded spell). */
  protected noteFailure(error: unknown): void {
    this.failures++;
    this.error = errorMessage(error);
    if (!this.#reportedDegraded) this.event("secondary write failed");
  }

  /** `noteFailure`, then wait out the channel's backoff (not at all once paused or stopped). */
  protected async retryLater(error: unknown): Promise<void> {
    this.noteFailure(error);
    if (this.stopped || this.paused) return;
    await this.backoff.wait(this.failures, this.draining > 0);
  }

  /** Writes that failed with a retryable error: each lane waits out a backoff of its write's own attempts. */
  protected scheduleRetries(items: readonly QueuedOp[]): void {
    const at = performance.now();
    for (const item of items) {
      item.failedAt = at;
      item.retryAfterMs = this.backoff.delayFor(item.attempts);
    }
  }

  /** A pass begins: writes handed over from now on are the ones it may not have seen. */
  protected beginPass(): void {
    this.#arrived = [];
  }

  /**
   * Sleeps until the first of the `waiting` lanes is due (`ms`), unless a write for another lane arrives (or
   * arrived during the pass); `null`: only the time, drain, pause or stop end it. Not at all once paused or
   * stopped.
   */
  protected async sleepForLanes(ms: number, waiting: ReadonlySet<string> | null): Promise<void> {
    if (this.stopped || this.paused) return;
    if (waiting !== null && this.#arrived.some((op) => !waiting.has(laneOf(op)))) return;
    this.#sleepingFor = waiting;
    this.#sleeping = true;
    try {
      await this.backoff.sleep(ms);
    } finally {
      this.#sleepingFor = null;
      this.#sleeping = false;
    }
  }

  /** A new write: wakes a pump that sleeps for waiting lanes when the write belongs to none of them. */
  protected wakeFor(op: SecondaryOp): void {
    if (!this.#sleeping) this.#arrived.push(op);
    else if (this.#sleepingFor !== null && !this.#sleepingFor.has(laneOf(op))) this.backoff.wake();
  }

  /** A delivery succeeded: the failure streak is over. */
  protected delivered(): void {
    if (this.failures === 0) return;
    this.failures = 0;
    this.error = "";
  }

  /** A write the secondary can never accept was dropped: `repair()` must copy what it carried. */
  protected dropWrite(reason: string): void {
    this.droppedWrites++;
    this.repairNeeded = true;
    this.error = reason;
  }

  protected notifyEmpty(): void {
    for (const w of this.#emptyWaiters.splice(0)) w();
    if (this.#reportedDegraded && !this.repairNeeded) this.event("recovered");
  }

  protected event(event: PipelineEvent): void {
    this.#reportedDegraded = event !== "recovered";
    try {
      this.options.onEvent(event);
    } catch {
      // A listener must not break writes.
    }
  }
}
