import { type CircuitBreaker, CircuitState } from "@qts/cache";
import { type Clock, createEvent, type EventSink, EventType, Priority, type QtsEvent } from "@qts/contracts";

/** The manager's events: stamped by its clock, published to its sink (a throwing sink never breaks a call). */
export class ManagerEvents {
  readonly sink: EventSink;
  readonly #clock: Clock;
  readonly #source: string;
  /** `publish` calls whose sink threw. */
  sinkErrors = 0;
  lastSinkError: unknown;

  constructor(sink: EventSink, clock: Clock, source: string) {
    this.sink = sink;
    this.#clock = clock;
    this.#source = source;
  }

  publish(type: EventType, priority: Priority, payload: Readonly<Record<string, unknown>>): QtsEvent {
    const event = createEvent(type, priority, this.#source, payload, new Date(this.#clock.now()));
    try {
      this.sink.publish(event);
    } catch (error) {
      // An event sink must never break a cache call; its failure is counted (and exported as a metric).
      this.sinkErrors++;
      this.lastSinkError = error;
    }
    return event;
  }

  /**
   * One BROKER_DISCONNECT per outage: an outage starts when the circuit leaves CLOSED and ends when it returns
   * to CLOSED (BROKER_RECONNECT). A failed HALF_OPEN probe (HALF_OPEN -> OPEN) is the same outage going on, not
   * a new page for whoever is on call.
   */
  circuitChanged(to: CircuitState, from: CircuitState, breaker: CircuitBreaker): void {
    if (to === CircuitState.OPEN && from === CircuitState.CLOSED) {
      const last = breaker.lastFailureAt;
      this.publish(EventType.BROKER_DISCONNECT, Priority.P0_CRITICAL, {
        from,
        to,
        failureCount: breaker.failureCount,
        lastFailureAt: last === null ? null : last.toISOString(),
      });
    } else if (to === CircuitState.CLOSED) {
      this.publish(EventType.BROKER_RECONNECT, Priority.P1_HIGH, { from, to });
    }
  }
}
