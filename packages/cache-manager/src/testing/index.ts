/**
 * `@qts/cache-manager/testing`: doubles for testing an engine built on a `CacheManager`. `RecordingEventSink`
 * keeps every event the manager publishes; the cache and store fault doubles live beside their packages
 * (`FaultyCacheClient` in `@qts/cache/testing`, `SwitchableAdapter` in `@qts/db-adapters/testing`).
 */
import type { EventSink, EventType, QtsEvent } from "@qts/contracts";

/** An event sink that records every event, in order (optionally forwarding to another sink). */
export class RecordingEventSink implements EventSink {
  readonly events: QtsEvent[] = [];

  constructor(private readonly forward?: EventSink) {}

  publish(event: QtsEvent): void {
    this.events.push(event);
    this.forward?.publish(event);
  }

  /** The recorded events of one type. */
  of(type: EventType): QtsEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** How many events of each type were recorded. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.events) out[e.type] = (out[e.type] ?? 0) + 1;
    return out;
  }

  clear(): void {
    this.events.length = 0;
  }
}
