import { CircuitBreaker, InMemoryCacheClient } from "@qts/cache";
import { CacheManager, type CacheManagerOptions, InProcessEventBus } from "@qts/cache-manager";
import {
  type CacheClient,
  type CacheHash,
  CacheUnavailableError,
  DataSourceUnavailableError,
  type Decimal,
  type HealthStatus,
  healthStatus,
  ManualClock,
  type Position,
  type QtsEvent,
} from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type FaultMode = "ok" | "fail" | "hang";

/**
 * A cache client in front of an InMemoryCacheClient that injects faults: every call fails, hangs (never
 * settles), or is delayed; `corrupt(key, hash)` makes `get(key)` return a bad hash; `setDelay` delays sets
 * (a random delay per call reorders concurrent writes). Counts every call. It has no `flushNamespace`, so a
 * manager in front of it falls back to tracking its own keys.
 */
export class FaultyCacheClient implements CacheClient {
  readonly inner: InMemoryCacheClient;
  mode: FaultMode = "ok";
  /** Per-operation override of `mode`. */
  readonly modes: Partial<Record<"get" | "set" | "delete", FaultMode>> = {};
  setDelay: (() => number) | null = null;
  readonly calls = { get: 0, set: 0, delete: 0, getMany: 0 };
  readonly #corrupt = new Map<string, CacheHash>();

  constructor(inner: InMemoryCacheClient) {
    this.inner = inner;
  }

  get totalCalls(): number {
    return this.calls.get + this.calls.set + this.calls.delete + this.calls.getMany;
  }

  corrupt(key: string, hash: CacheHash): void {
    this.#corrupt.set(key, hash);
  }

  #fault(op: "get" | "set" | "delete"): Promise<never> | null {
    const mode = this.modes[op] ?? this.mode;
    if (mode === "fail") return Promise.reject(new CacheUnavailableError(`injected ${op} failure`));
    if (mode === "hang") return new Promise<never>(() => {});
    return null;
  }

  async get(key: string): Promise<CacheHash | null> {
    this.calls.get++;
    const fault = this.#fault("get");
    if (fault) return fault;
    const bad = this.#corrupt.get(key);
    if (bad !== undefined) {
      this.#corrupt.delete(key);
      return bad;
    }
    return this.inner.get(key);
  }

  async set(key: string, mapping: Readonly<CacheHash>, ttlMs: number): Promise<boolean> {
    this.calls.set++;
    const fault = this.#fault("set");
    if (fault) return fault;
    if (this.setDelay !== null) await sleep(this.setDelay());
    return this.inner.set(key, mapping, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    this.calls.delete++;
    const fault = this.#fault("delete");
    if (fault) return fault;
    this.#corrupt.delete(key);
    return this.inner.delete(key);
  }

  async getMany(keys: readonly string[]): Promise<Map<string, CacheHash | null>> {
    this.calls.getMany++;
    return this.inner.getMany(keys);
  }

  async healthCheck(): Promise<HealthStatus> {
    return healthStatus({ healthy: this.mode === "ok", source: "faulty-cache" });
  }

  async close(): Promise<void> {}
}

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
