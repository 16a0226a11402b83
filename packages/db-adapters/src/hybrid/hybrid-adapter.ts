import {
  createEvent,
  type DataSourceAdapter,
  DataSourceUnavailableError,
  type Decimal,
  type EventSink,
  EventType,
  type Fill,
  type FillResult,
  fill,
  type HealthStatus,
  healthStatus,
  type Interval,
  isOutboxStore,
  isPositionWriter,
  isSymbolLister,
  type LedgerEntry,
  type LedgerQuery,
  ledgerEntry,
  type OHLCV,
  ohlcv,
  opt,
  type Position,
  Priority,
  position,
  positionUpdate,
  type TickData,
  tick,
  validateInterval,
} from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { type StoreSymbols, validateAll } from "../common/index.js";
import { copyPosition } from "../replication/content.js";
import { type ConsistencyReport, diffStores } from "../replication/diff.js";
import { type RepairReport, repairStores } from "../replication/repair.js";
import type { PipelineEvent, SecondaryChannel } from "./channel.js";
import { OutboxRelay } from "./outbox-relay.js";
import { SecondaryPipeline } from "./pipeline.js";
import type { SecondaryOp } from "./secondary-queue.js";

export interface HybridAdapterOptions {
  /** Reported as `name` (default `hybrid(<primary>,<secondary>)`). */
  name?: string | undefined;
  /** Most secondary writes kept for retry (default 10000); beyond it new ones are dropped and `needsRepair` set. */
  maxBacklog?: number | undefined;
  /** Background retry backoff: full jitter up to min(maxDelayMs, baseDelayMs * 2^failures). */
  retry?: { baseDelayMs?: number | undefined; maxDelayMs?: number | undefined } | undefined;
  /** Receives DATA_SOURCE_DEGRADED events (degraded, overflow, recovered). */
  eventSink?: EventSink | undefined;
  /** How long `close()` keeps applying the secondary backlog before giving up (default 5000 ms). */
  closeDrainTimeoutMs?: number | undefined;
  /**
   * Use the primary's transactional outbox when it has one (`OutboxStore`, e.g. `TimescaleAdapter`): default
   * true. The hybrid turns the primary's outbox on; pending secondary writes then survive a crash and
   * `maxBacklog` does not apply (the outbox is a table). `false`, or a primary without one: in-memory queue.
   */
  outbox?: boolean | undefined;
}

/** What `verifyConsistency` returns: the differences, plus the writes still queued for the secondary. */
export type HybridConsistencyReport = ConsistencyReport & { readonly backlog: number };

/**
 * Writes to a primary and a secondary store; the primary is the truth.
 * - A write goes to the primary first and resolves/rejects with the primary's outcome. Only a write the primary
 *   accepted is handed to the secondary, through one ordered pipeline (it runs in the background: the call does
 *   not wait for the secondary): a failure keeps it (and every later secondary write, to keep their order) in
 *   a bounded backlog retried in the background with backoff, so an acknowledged write reaches the secondary
 *   once it is back. A write the primary rejects never reaches the secondary. `drain()` flushes the backlog.
 * - With a primary that keeps a transactional outbox (`isOutboxStore`: `TimescaleAdapter`), the backlog is that
 *   outbox instead (turned on here, option `outbox: false` to keep the in-memory queue): each write's outbox
 *   row commits with it, an `OutboxRelay` delivers the rows in order and idempotently, and a crash loses
 *   nothing: the next process delivers what is left. `close()` then leaves undelivered rows in the outbox.
 * - Reads use the primary and fall back to the secondary when the primary is unavailable
 *   (`DataSourceUnavailableError`); a fallback read may lag by the backlog.
 * - `healthCheck` is healthy while the primary is; a secondary problem shows as `details.degraded`.
 * - `close()` refuses new calls, waits for writes in flight, applies the secondary backlog for up to
 *   `closeDrainTimeoutMs`, then stops the retry timer and closes both stores (the hybrid owns them). If writes
 *   are still unapplied it rejects with `DataSourceUnavailableError` saying how many: run `repair()` (or
 *   `qts sync`) against the two stores later. Closing never silently drops an acknowledged write.
 */
export class HybridAdapter implements DataSourceAdapter {
  readonly name: string;
  readonly primary: DataSourceAdapter;
  readonly secondary: DataSourceAdapter;
  /** Present when the primary can write whole positions (e.g. Sheets): writes every field to both. */
  readonly putPosition?: (p: Position) => Promise<boolean>;
  /** Present when the primary can list its symbols: the primary's (the secondary's if it is unavailable). */
  readonly listSymbols?: () => Promise<StoreSymbols>;
  readonly #events: EventSink | undefined;
  readonly #pipeline: SecondaryChannel;
  readonly #relay: OutboxRelay | null = null;
  readonly #closeDrainTimeoutMs: number;
  #fallbackReads = 0;
  #closed = false;
  #inflight = 0;
  #inflightWaiters: (() => void)[] = [];
  #gate: Promise<void> | null = null;

  constructor(primary: DataSourceAdapter, secondary: DataSourceAdapter, options?: HybridAdapterOptions) {
    const o = opt.object(options);
    this.primary = primary;
    this.secondary = secondary;
    this.name = opt.str(o.name, "name", `hybrid(${primary.name},${secondary.name})`);
    this.#events = o.eventSink;
    this.#closeDrainTimeoutMs = opt.ms(o.closeDrainTimeoutMs, "closeDrainTimeoutMs", 5_000);
    const retry = opt.object(o.retry, "retry");
    const channel = {
      maxBacklog: opt.int(o.maxBacklog, "maxBacklog", 10_000, 1),
      baseDelayMs: opt.positiveMs(retry.baseDelayMs, "retry.baseDelayMs", 100),
      maxDelayMs: opt.positiveMs(retry.maxDelayMs, "retry.maxDelayMs", 30_000),
      onEvent: (event: PipelineEvent) => this.#publish(event),
    };
    if (opt.bool(o.outbox, "outbox", true) && isOutboxStore(primary)) {
      primary.enableOutbox();
      this.#relay = new OutboxRelay(primary, secondary, channel);
      this.#pipeline = this.#relay;
    } else {
      this.#pipeline = new SecondaryPipeline(primary, secondary, channel);
    }
    if (isPositionWriter(primary)) {
      this.putPosition = async (p: Position) => {
        const valid = position(p);
        return this.#write({ kind: "putPosition", position: valid }, () =>
          copyPosition(primary, valid).then(() => true),
        );
      };
    }
    if (isSymbolLister(primary)) {
      this.listSymbols = () =>
        this.#read((a) =>
          isSymbolLister(a) ? a.listSymbols() : Promise.reject(new Error(`${a.name} cannot list symbols`)),
        );
    }
  }

  /** True when pending secondary writes live in the primary's transactional outbox (they survive a crash). */
  get durableBacklog(): boolean {
    return this.#relay !== null;
  }

  /** Secondary writes waiting to be applied (including the one in flight; the outbox depth last measured). */
  get backlog(): number {
    return this.#pipeline.backlog;
  }

  /** True after a secondary write was dropped (backlog overflow, or rejected as invalid): run `repair()`. */
  get needsRepair(): boolean {
    return this.#pipeline.needsRepair;
  }

  fetchPositions(): Promise<Position[]> {
    return this.#read((a) => a.fetchPositions());
  }

  fetchPosition(symbol: string): Promise<Position | null> {
    return this.#read((a) => a.fetchPosition(symbol));
  }

  fetchLedger(query?: LedgerQuery): Promise<LedgerEntry[]> {
    return this.#read((a) => a.fetchLedger(query));
  }

  fetchOhlcv(symbol: string, start: Date, end: Date, interval?: Interval): Promise<OHLCV[]> {
    return this.#read((a) => a.fetchOhlcv(symbol, start, end, interval));
  }

  fetchTickData(symbol: string, start: Date, end: Date): Promise<TickData[]> {
    return this.#read((a) => a.fetchTickData(symbol, start, end));
  }

  async updatePosition(symbol: string, qty: Decimal.Value, avgPrice: Decimal.Value): Promise<boolean> {
    const u = positionUpdate(symbol, qty, avgPrice);
    return this.#write({ kind: "position", ...u }, () =>
      this.primary.updatePosition(u.symbol, u.qty, u.avgPrice),
    );
  }

  async appendLedger(entry: LedgerEntry): Promise<boolean> {
    const valid = ledgerEntry({ ...entry, id: null });
    return this.#write({ kind: "ledger", entry: valid }, () => this.primary.appendLedger(valid));
  }

  /**
   * The primary books the fill (its result is the answer). Once it has, the secondary mirrors the primary's
   * result: its ledger entry with the same `fillId` (a store that already holds that fillId rejects the append
   * with `ConflictError`, which counts as done, so a replayed secondary write never makes a second row), then
   * the primary's position, copied. A secondary without `applyFill` support (Sheets) can mirror fills.
   */
  async applyFill(f: Fill): Promise<FillResult> {
    const valid = fill(f);
    let settle: (r: FillResult | null) => void = () => {};
    const booked = new Promise<FillResult | null>((resolve) => {
      settle = resolve;
    });
    return this.#write({ kind: "fill", fill: valid, booked }, () =>
      this.primary.applyFill(valid).then(
        (r) => {
          settle(r);
          return r;
        },
        (error: unknown) => {
          settle(null);
          throw error;
        },
      ),
    );
  }

  async appendOhlcv(bars: readonly OHLCV[], interval?: Interval): Promise<number> {
    const iv = validateInterval(interval);
    const valid = validateAll(bars, "bars", ohlcv);
    if (valid.length === 0) {
      this.#checkOpen();
      return 0;
    }
    return this.#write({ kind: "ohlcv", bars: valid, interval: iv }, () =>
      this.primary.appendOhlcv(valid, iv),
    );
  }

  async appendTicks(ticks: readonly TickData[]): Promise<number> {
    const valid = validateAll(ticks, "ticks", tick);
    if (valid.length === 0) {
      this.#checkOpen();
      return 0;
    }
    return this.#write({ kind: "ticks", ticks: valid }, () => this.primary.appendTicks(valid));
  }

  async healthCheck(): Promise<HealthStatus> {
    const safe = (a: DataSourceAdapter) =>
      a
        .healthCheck()
        .catch((e: unknown) => healthStatus({ healthy: false, source: a.name, error: errorMessage(e) }));
    this.#relay?.start();
    const [p, s] = await Promise.all([safe(this.primary), safe(this.secondary)]);
    const pl = this.#pipeline;
    const degraded = pl.degraded || !s.healthy;
    const details: Record<string, string | number | boolean> = {
      primary: p.source,
      secondary: s.source,
      primaryHealthy: p.healthy,
      secondaryHealthy: s.healthy,
      degraded,
      backlog: pl.backlog,
      droppedWrites: pl.dropped,
      needsRepair: pl.needsRepair,
      fallbackReads: this.#fallbackReads,
    };
    if (pl.lastError !== "") details.lastSecondaryError = pl.lastError;
    // The primary's read replicas (TimescaleAdapter `readDsn`), as it reports them.
    for (const [k, v] of Object.entries(p.details ?? {})) if (k.startsWith("replica")) details[k] = v;
    if (this.#relay) {
      details.outbox = true;
      for (const k of ["outboxDepth", "outboxOldestAgeMs"] as const) {
        const v = p.details?.[k];
        if (typeof v === "number") details[k] = v;
      }
      if (typeof details.outboxDepth === "number") details.backlog = details.outboxDepth;
    }
    let error = "";
    if (this.#closed) error = "adapter is closed";
    else if (!p.healthy) error = `primary ${p.source} unhealthy: ${p.error}`;
    else if (degraded) {
      error = `degraded: secondary ${s.source} ${s.healthy ? "" : `unhealthy (${s.error}), `}backlog ${pl.backlog}${
        pl.needsRepair ? ", needs repair" : ""
      }`;
    }
    return healthStatus({
      healthy: p.healthy && !this.#closed,
      source: this.name,
      latencyMs: p.latencyMs,
      error,
      details,
    });
  }

  /**
   * Applies the backlog now (retrying without the long backoff); resolves when it is empty, rejects with
   * `DataSourceUnavailableError` if it is not empty after `timeoutMs` (default 30000).
   */
  drain(timeoutMs = 30_000): Promise<void> {
    return this.#pipeline.drain(timeoutMs, this.name);
  }

  /** Differences between primary and secondary (positions: qty/avgPrice; ledger: by content). */
  async verifyConsistency(): Promise<HybridConsistencyReport> {
    this.#checkOpen();
    const report = await diffStores(this.primary, this.secondary);
    return Object.freeze({ ...report, backlog: this.#pipeline.backlog });
  }

  /**
   * Makes the secondary match the primary for positions and the ledger. New writes wait while it runs; queued
   * position/ledger writes are superseded (the copy includes them); queued bar/tick writes stay queued.
   */
  async repair(): Promise<RepairReport> {
    this.#checkOpen();
    while (this.#gate) await this.#gate;
    let release = () => {};
    this.#gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      while (this.#inflight > 0) await new Promise<void>((resolve) => this.#inflightWaiters.push(resolve));
      await this.#pipeline.pause();
      await this.#pipeline.discard(["position", "putPosition", "ledger", "fill"]);
      const report = await repairStores(this.primary, this.secondary);
      if (report.unrepairable.positions.length === 0 && report.unrepairable.ledger.length === 0) {
        this.#pipeline.markRepaired();
      }
      return report;
    } finally {
      this.#gate = null;
      release();
      this.#pipeline.resume();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#inflight > 0) await new Promise<void>((resolve) => this.#inflightWaiters.push(resolve));
    let unapplied: unknown = null;
    try {
      await this.#pipeline.drain(this.#closeDrainTimeoutMs, this.name);
    } catch (error) {
      unapplied = error;
    }
    const backlog = this.#pipeline.backlog;
    await this.#pipeline.stop();
    await Promise.allSettled([this.primary.close(), this.secondary.close()]);
    // With an outbox the pending writes are rows in the primary: the next relay (any process) delivers them.
    if (unapplied !== null && this.#relay === null) {
      const why = errorMessage(unapplied);
      throw new DataSourceUnavailableError(
        `${this.name} closed with ${backlog} secondary write(s) not applied to ${this.secondary.name} (${why}); ` +
          "the primary has them: run repair() or `qts sync` against the two stores",
        { source: this.name },
      );
    }
  }

  async #read<T>(fn: (a: DataSourceAdapter) => Promise<T>): Promise<T> {
    this.#checkOpen();
    try {
      return await fn(this.primary);
    } catch (error) {
      if (!(error instanceof DataSourceUnavailableError)) throw error;
      this.#fallbackReads++;
      try {
        return await fn(this.secondary);
      } catch {
        throw error;
      }
    }
  }

  async #write<T>(op: SecondaryOp, primaryWrite: () => Promise<T>): Promise<T> {
    this.#checkOpen();
    while (this.#gate) await this.#gate;
    this.#inflight++;
    try {
      // The secondary receives only what the primary accepted, in the order the primary acknowledged it.
      const result = await primaryWrite();
      this.#pipeline.enqueue({ op, attempts: 0 });
      return result;
    } finally {
      this.#inflight--;
      if (this.#inflight === 0) for (const w of this.#inflightWaiters.splice(0)) w();
    }
  }

  #publish(reason: PipelineEvent): void {
    if (!this.#events) return;
    const p = this.#pipeline;
    try {
      this.#events.publish(
        createEvent(EventType.DATA_SOURCE_DEGRADED, Priority.P1_HIGH, this.name, {
          degraded: reason !== "recovered",
          reason,
          secondary: this.secondary.name,
          backlog: p.backlog,
          droppedWrites: p.dropped,
          needsRepair: p.needsRepair,
          error: p.lastError,
        }),
      );
    } catch {
      // A sink must not break writes.
    }
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new DataSourceUnavailableError(`${this.name} adapter is closed`, { source: this.name });
  }
}
