import {
  type EventSink,
  type EventType,
  PRIORITY_ORDER,
  type Priority,
  type QtsEvent,
  ValidationError,
} from "@qts/contracts";

export type EventHandler = (event: QtsEvent) => void | Promise<void>;

export interface SubscribeOptions {
  /** Only these event types (default: all). */
  types?: readonly EventType[] | undefined;
  /** Only events at least this urgent: `P1_HIGH` delivers P0 and P1 (default: all). */
  minPriority?: Priority | undefined;
}

export interface InProcessEventBusOptions {
  /** How many recent events `recent()` keeps (default 100; 0 keeps none). */
  historySize?: number | undefined;
  /** Told about every error a subscriber throws or rejects with (default: ignored). */
  onSubscriberError?: ((error: unknown, event: QtsEvent) => void) | undefined;
}

interface Subscription {
  readonly handler: EventHandler;
  readonly types: ReadonlySet<EventType> | null;
  readonly maxRank: number;
}

function rank(priority: Priority): number {
  const i = PRIORITY_ORDER.indexOf(priority);
  if (i < 0)
    throw new ValidationError("minPriority", priority, `must be one of ${PRIORITY_ORDER.join(", ")}`);
  return i;
}

/**
 * The default `EventSink`: delivers each event synchronously to the matching subscribers, in subscription
 * order. A subscriber that throws (or returns a rejected promise) never reaches the publisher or the other
 * subscribers; such errors are counted in `subscriberErrors`. Keeps a bounded history of recent events.
 */
export class InProcessEventBus implements EventSink {
  #subs: readonly Subscription[] = [];
  readonly #history: QtsEvent[] = [];
  readonly #historySize: number;
  readonly #onError: ((error: unknown, event: QtsEvent) => void) | undefined;
  #subscriberErrors = 0;
  #published = 0;

  constructor(options: InProcessEventBusOptions = {}) {
    const size = options.historySize ?? 100;
    if (!Number.isInteger(size) || size < 0)
      throw new ValidationError("historySize", size, "must be an integer >= 0");
    this.#historySize = size;
    this.#onError = options.onSubscriberError;
  }

  /** Errors thrown or rejected by subscribers so far. */
  get subscriberErrors(): number {
    return this.#subscriberErrors;
  }

  /** Events published so far. */
  get publishedCount(): number {
    return this.#published;
  }

  get subscriberCount(): number {
    return this.#subs.length;
  }

  /** Registers `handler`; returns a function that unsubscribes it (idempotent). */
  subscribe(handler: EventHandler, options: SubscribeOptions = {}): () => void {
    if (typeof handler !== "function") throw new TypeError("handler must be a function");
    const sub: Subscription = {
      handler,
      types: options.types === undefined ? null : new Set(options.types),
      maxRank: options.minPriority === undefined ? PRIORITY_ORDER.length : rank(options.minPriority),
    };
    this.#subs = [...this.#subs, sub];
    return () => {
      this.#subs = this.#subs.filter((s) => s !== sub);
    };
  }

  publish(event: QtsEvent): void {
    this.#published++;
    if (this.#historySize > 0) {
      if (this.#history.length >= this.#historySize) this.#history.shift();
      this.#history.push(event);
    }
    const subs = this.#subs; // a handler that (un)subscribes does not change this delivery
    if (subs.length === 0) return;
    const eventRank = PRIORITY_ORDER.indexOf(event.priority);
    for (const sub of subs) {
      if (sub.types !== null && !sub.types.has(event.type)) continue;
      if (eventRank > sub.maxRank) continue;
      try {
        const result = sub.handler(event);
        if (result !== undefined && typeof (result as Promise<void>).then === "function") {
          (result as Promise<void>).then(undefined, (error: unknown) => this.#failed(error, event));
        }
      } catch (error) {
        this.#failed(error, event);
      }
    }
  }

  /** The most recent events, oldest first, optionally only of `type`. */
  recent(type?: EventType): QtsEvent[] {
    return type === undefined ? [...this.#history] : this.#history.filter((e) => e.type === type);
  }

  clearHistory(): void {
    this.#history.length = 0;
  }

  #failed(error: unknown, event: QtsEvent): void {
    this.#subscriberErrors++;
    if (this.#onError === undefined) return;
    try {
      this.#onError(error, event);
    } catch {
      // the error reporter must not break the publisher either
    }
  }
}
