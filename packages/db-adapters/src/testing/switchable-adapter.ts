import {
  type DataSourceAdapter,
  DataSourceError,
  DataSourceUnavailableError,
  type HealthStatus,
  healthStatus,
} from "@qts/contracts";

/** What a `SwitchableAdapter` does: pass through, reject as unreachable, or apply writes then reject. */
export type SwitchMode = "up" | "down" | "apply-then-fail";

/**
 * A fault double for testing code above a store (an engine, a Hybrid, a cache manager): wraps a real adapter
 * and can take it "down" (every call then rejects with `DataSourceUnavailableError`, as a store that cannot be
 * reached does), or apply writes and then reject (an ambiguous failure: the retry must find it landed).
 */
export class SwitchableAdapter implements DataSourceAdapter {
  readonly name: string;
  mode: SwitchMode = "up";
  calls = 0;

  constructor(
    readonly inner: DataSourceAdapter,
    name?: string,
  ) {
    this.name = name ?? inner.name;
  }

  async #run<T>(write: boolean, fn: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.mode === "down")
      throw new DataSourceUnavailableError(`${this.name} is down`, { source: this.name });
    const result = await fn();
    if (write && this.mode === "apply-then-fail") {
      throw new DataSourceUnavailableError(`${this.name} timed out after commit`, { source: this.name });
    }
    return result;
  }

  fetchPositions = () => this.#run(false, () => this.inner.fetchPositions());
  fetchPosition = (s: string) => this.#run(false, () => this.inner.fetchPosition(s));
  updatePosition = (
    s: string,
    q: Parameters<DataSourceAdapter["updatePosition"]>[1],
    p: Parameters<DataSourceAdapter["updatePosition"]>[2],
  ) => this.#run(true, () => this.inner.updatePosition(s, q, p));
  appendLedger = (e: Parameters<DataSourceAdapter["appendLedger"]>[0]) =>
    this.#run(true, () => this.inner.appendLedger(e));
  applyFill = (f: Parameters<DataSourceAdapter["applyFill"]>[0]) =>
    this.#run(true, () => this.inner.applyFill(f));
  fetchLedger = (q?: Parameters<DataSourceAdapter["fetchLedger"]>[0]) =>
    this.#run(false, () => this.inner.fetchLedger(q));
  fetchOhlcv = (...a: Parameters<DataSourceAdapter["fetchOhlcv"]>) =>
    this.#run(false, () => this.inner.fetchOhlcv(...a));
  fetchTickData = (...a: Parameters<DataSourceAdapter["fetchTickData"]>) =>
    this.#run(false, () => this.inner.fetchTickData(...a));
  appendOhlcv = (...a: Parameters<DataSourceAdapter["appendOhlcv"]>) =>
    this.#run(true, () => this.inner.appendOhlcv(...a));
  appendTicks = (...a: Parameters<DataSourceAdapter["appendTicks"]>) =>
    this.#run(true, () => this.inner.appendTicks(...a));

  async healthCheck(): Promise<HealthStatus> {
    if (this.mode === "down") return healthStatus({ healthy: false, source: this.name, error: "down" });
    return this.inner.healthCheck();
  }

  close = () => this.inner.close();
}

/**
 * Wraps a real adapter and refuses, as a store refuses content it cannot hold (a constraint violation: a
 * `DataSourceError`, not an outage), every write whose symbol is `REFUSE` or whose orderId is `refuse-me`.
 */
export class RefusingAdapter extends SwitchableAdapter {
  refused = 0;

  #refuse(what: boolean): void {
    if (!what) return;
    this.refused++;
    throw new DataSourceError(`${this.name} refused the write (constraint violation)`, { source: this.name });
  }

  override updatePosition = async (...a: Parameters<DataSourceAdapter["updatePosition"]>) => {
    this.#refuse(a[0] === "REFUSE");
    return this.inner.updatePosition(...a);
  };
  override appendLedger = async (e: Parameters<DataSourceAdapter["appendLedger"]>[0]) => {
    this.#refuse(e.symbol === "REFUSE" || e.orderId === "refuse-me");
    return this.inner.appendLedger(e);
  };
  override appendTicks = async (...a: Parameters<DataSourceAdapter["appendTicks"]>) => {
    this.#refuse(a[0].some((t) => t.symbol === "REFUSE"));
    return this.inner.appendTicks(...a);
  };
}
