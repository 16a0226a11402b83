import { CircuitBreaker, InMemoryCacheClient } from "@qts/cache";
import { type FaultMode, FaultyCacheClient } from "@qts/cache/testing";
import { CacheManager, type CacheManagerOptions, InProcessEventBus } from "@qts/cache-manager";
import {
  DataSourceUnavailableError,
  type Decimal,
  ManualClock,
  type Position,
  type QtsEvent,
  sleep,
} from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";

export { type FaultMode, FaultyCacheClient, sleep };

/** An InMemoryAdapter that counts reads/writes and can delay or fail them. */
export class CountingAdapter extends InMemoryAdapter {
  fetchPositionCalls = 0;
  updatePositionCalls = 0;
  fetchDelayMs = 0;
  failWrites = false;
  failReads = false;
  /** Delay before each updatePosition is applied (a random one reorders concurrent writes). */
  writeDelay: (() => number) | null = null;
  /** Symbol → order in which updatePosition calls were applied. */
  readonly applied: string[] = [];

  override async fetchPosition(symbol: string): Promise<Position | null> {
    this.fetchPositionCalls++;
    const delay = this.fetchDelayMs;
    if (this.failReads) throw new DataSourceUnavailableError("injected read failure", { source: this.name });
    const found = await super.fetchPosition(symbol); // the snapshot is taken now, the answer arrives later
    if (delay > 0) await sleep(delay);
    return found;
  }

  override async updatePosition(
    symbol: string,
    qty: Decimal.Value,
    avgPrice: Decimal.Value,
  ): Promise<boolean> {
    this.updatePositionCalls++;
    if (this.failWrites)
      throw new DataSourceUnavailableError("injected write failure", { source: this.name });
    if (this.writeDelay !== null) await sleep(this.writeDelay());
    const ok = await super.updatePosition(symbol, qty, avgPrice);
    this.applied.push(`${symbol}:${String(qty)}`);
    return ok;
  }
}

export interface Rig {
  clock: ManualClock;
  cache: InMemoryCacheClient;
  faulty: FaultyCacheClient;
  db: CountingAdapter;
  bus: InProcessEventBus;
  breaker: CircuitBreaker;
  manager: CacheManager;
  events: QtsEvent[];
}

/** A manager over a FaultyCacheClient over an InMemoryCacheClient, all on one ManualClock. */
export function rig(options: CacheManagerOptions & { threshold?: number; recoveryMs?: number } = {}): Rig {
  const clock = new ManualClock(1_700_000_000_000);
  const cache = new InMemoryCacheClient({ clock });
  const faulty = new FaultyCacheClient(cache);
  const db = new CountingAdapter({ clock });
  const bus = new InProcessEventBus();
  const events: QtsEvent[] = [];
  bus.subscribe((e) => {
    events.push(e);
  });
  const breaker = new CircuitBreaker({
    clock,
    failureThreshold: options.threshold ?? 3,
    recoveryTimeoutMs: options.recoveryMs ?? 1000,
  });
  const { threshold: _t, recoveryMs: _r, ...rest } = options;
  const manager = new CacheManager(faulty, db, {
    clock,
    eventSink: bus,
    breaker,
    metricsIntervalMs: 0,
    cacheTimeoutMs: 20,
    ...rest,
  });
  return { clock, cache, faulty, db, bus, breaker, manager, events };
}

export function ofType(events: readonly QtsEvent[], type: string): QtsEvent[] {
  return events.filter((e) => e.type === type);
}
