import {
  type CacheClient,
  type CacheHash,
  CacheUnavailableError,
  type HealthStatus,
  healthStatus,
  sleep,
} from "@qts/contracts";

/** What a `FaultyCacheClient` call does: pass through, reject with `CacheUnavailableError`, or never settle. */
export type FaultMode = "ok" | "fail" | "hang";

/**
 * A fault double for testing code above a cache (an engine, a cache manager): a `CacheClient` in front of a
 * real one that injects faults. Every call fails, hangs (never settles) or passes (`mode`, or per operation
 * `modes`); `setDelay` delays sets (a random delay per call reorders concurrent writes); `corrupt(key, hash)`
 * makes the next `get(key)` return a bad hash. Counts every call. It has no `flushNamespace`, so a manager in
 * front of it falls back to tracking its own keys.
 */
export class FaultyCacheClient<C extends CacheClient = CacheClient> implements CacheClient {
  readonly inner: C;
  mode: FaultMode = "ok";
  /** Per-operation override of `mode`. */
  readonly modes: Partial<Record<"get" | "set" | "delete", FaultMode>> = {};
  setDelay: (() => number) | null = null;
  readonly calls = { get: 0, set: 0, delete: 0, getMany: 0 };
  readonly #corrupt = new Map<string, CacheHash>();

  constructor(inner: C) {
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
