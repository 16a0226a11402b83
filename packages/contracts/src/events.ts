/** Event types published by the data and cache layers. */
export const EventType = Object.freeze({
  /** Cache statistics per type (P3_LOW), on an interval and on demand. */
  METRIC_RECORD: "METRIC_RECORD",
  /** The cache circuit opened: the engine is running without its cache (P0_CRITICAL). */
  BROKER_DISCONNECT: "BROKER_DISCONNECT",
  /** The cache circuit closed again after an outage (P1_HIGH). */
  BROKER_RECONNECT: "BROKER_RECONNECT",
  /** The safety state of a component changed (P1_HIGH). */
  SAFETY_STATE_CHANGED: "SAFETY_STATE_CHANGED",
  /** The operating state of a component changed (P2_MEDIUM). */
  OPERATING_STATE_CHANGED: "OPERATING_STATE_CHANGED",
  /** A store is degraded but serving (e.g. a Hybrid secondary backlog) (P1_HIGH). */
  DATA_SOURCE_DEGRADED: "DATA_SOURCE_DEGRADED",
} as const);
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Event priorities, most urgent first. */
export const Priority = Object.freeze({
  P0_CRITICAL: "P0_CRITICAL",
  P1_HIGH: "P1_HIGH",
  P2_MEDIUM: "P2_MEDIUM",
  P3_LOW: "P3_LOW",
} as const);
export type Priority = (typeof Priority)[keyof typeof Priority];

/** Priorities ordered from most to least urgent (index 0 = P0_CRITICAL). */
export const PRIORITY_ORDER: readonly Priority[] = Object.freeze([
  Priority.P0_CRITICAL,
  Priority.P1_HIGH,
  Priority.P2_MEDIUM,
  Priority.P3_LOW,
]);

export interface QtsEvent<P extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>> {
  readonly type: EventType;
  readonly priority: Priority;
  readonly timestamp: Date;
  /** Who published it, e.g. "cache-manager". */
  readonly source: string;
  readonly payload: P;
}

/** Where events go. `publish` must not throw into the caller; implementations swallow subscriber errors. */
export interface EventSink {
  publish(event: QtsEvent): void;
}

/** Builds a frozen event (the timestamp is copied, the payload shallow-copied and frozen). */
export function createEvent<P extends Readonly<Record<string, unknown>>>(
  type: EventType,
  priority: Priority,
  source: string,
  payload: P,
  timestamp: Date = new Date(),
): QtsEvent<P> {
  return Object.freeze({
    type,
    priority,
    timestamp: new Date(timestamp.getTime()),
    source,
    payload: Object.freeze({ ...payload }),
  });
}
