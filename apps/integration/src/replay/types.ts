import type { CacheStats, CacheType, EventSink, Fill, FillResult, Position, QtsEvent } from "@qts/contracts";

/** The part of `CacheManager` the replay drives (structural, so a test can pass any implementation). */
export interface ReplayCache {
  getPosition(symbol: string): Promise<Position | null>;
  /** The store's applyFill plus a versioned write-through (SPEC "Fills booked exactly once"). */
  applyFill(fill: Fill): Promise<FillResult>;
  getPrice(symbol: string): Promise<Record<string, string> | null>;
  pushPrice(symbol: string, data: Record<string, string>): Promise<boolean>;
  getStats(type: CacheType): CacheStats;
  readonly circuitState: string;
  /** Publishes a METRIC_RECORD now (the CacheManager has it). */
  publishMetrics?(): unknown;
}

/** Counts events by type and keeps every non-metric event with its time since the start of the run. */
export class EventRecorder implements EventSink {
  readonly counts: Record<string, number> = {};
  readonly timeline: { atMs: number; type: string; priority: string; payload: Record<string, unknown> }[] =
    [];
  #startedAt: number;
  readonly #forward: EventSink | undefined;

  constructor(startedAt = performance.now(), forward?: EventSink) {
    this.#startedAt = startedAt;
    this.#forward = forward;
  }

  /** Times are measured from here on (the engine calls it when the session starts). */
  setOrigin(t0: number): void {
    this.#startedAt = t0;
  }

  publish(event: QtsEvent): void {
    this.counts[event.type] = (this.counts[event.type] ?? 0) + 1;
    if (event.type !== "METRIC_RECORD") {
      this.timeline.push({
        atMs: Math.round(performance.now() - this.#startedAt),
        type: event.type,
        priority: event.priority,
        payload: { ...event.payload },
      });
    }
    this.#forward?.publish(event);
  }
}
