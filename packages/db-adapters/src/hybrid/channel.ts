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
