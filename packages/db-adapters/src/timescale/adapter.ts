import {
  ConflictError,
  type DataSourceAdapter,
  DataSourceError,
  type Decimal,
  type Fill,
  type FillResult,
  finerIntervals,
  type HealthStatus,
  healthStatus,
  INTERVAL_MS,
  type Interval,
  type LedgerEntry,
  type LedgerQuery,
  ledgerEntry,
  normalizeLedgerQuery,
  type OHLCV,
  type OutboxDelivery,
  type OutboxRow,
  type OutboxStats,
  ohlcv,
  type Position,
  position,
  positionUpdate,
  redactDsn,
  type TickData,
  tick,
  validateInterval,
  validateSymbol,
  validateTimeRange,
} from "@qts/contracts";
import { type StoreSymbols, storeSymbols, validateAll } from "../common/index.js";
import { CaggRefresher } from "./cagg-refresh.js";
import { FillBooker, isFillIdTaken } from "./fills.js";
import { dedupeBars, refreshRollups, writeBars, writeTicks } from "./ingest.js";
import { type MigrationResult, runMigrations, type StorageKind } from "./migrate.js";
import {
  type ResolvedTimescaleOptions,
  resolveTimescaleOptions,
  type TimescaleAdapterOptions,
} from "./options.js";
import { OutboxTable } from "./outbox.js";
import { checkout } from "./pool.js";
import { type ReadRunner, ReplicaSet } from "./replicas.js";
import {
  type BarRow,
  type LedgerRow,
  ledgerParams,
  type PositionRow,
  type TickRow,
  toBar,
  toLedgerEntry,
  toPosition,
  toTick,
} from "./rows.js";
import { PgRunner } from "./runner.js";
import { pgInterval, type RollupInterval, type Statements, statements } from "./sql.js";

/**
 * A `DataSourceAdapter` over PostgreSQL (>= 14), using TimescaleDB when the extension is present: hypertables,
 * compression and continuous aggregates; plain tables with maintained rollups otherwise. Call `migrate()` once
 * before use (idempotent, safe from several processes at once).
 */
export class TimescaleAdapter implements DataSourceAdapter {
  readonly name: string;
  readonly schema: string;
  readonly #options: ResolvedTimescaleOptions;
  readonly #sql: Statements;
  readonly #db: PgRunner;
  /** History reads (ledger, ticks, bars): the read replicas when `readDsn` is set, else the primary. */
  readonly #history: ReadRunner;
  readonly #replicas: ReplicaSet | null;
  readonly #fills: FillBooker;
  readonly #outbox: OutboxTable;
  readonly #refresh: CaggRefresher;
  #storage: StorageKind | null = null;

  constructor(options: TimescaleAdapterOptions) {
    this.#options = resolveTimescaleOptions(options);
    this.name = this.#options.name;
    this.schema = this.#options.schema;
    this.#sql = statements(this.#options.schema);
    this.#db = new PgRunner(this.#options, this.#sql);
    this.#replicas =
      this.#options.readDsns.length > 0 ? new ReplicaSet(this.#options, this.#sql, this.#db) : null;
    this.#history = this.#replicas ?? this.#db;
    this.#outbox = new OutboxTable(this.#db, this.#sql, this.#options.outbox);
    this.#fills = new FillBooker(
      this.#db,
      this.#sql,
      this.name,
      () => new Date(this.#options.clock.now()),
      () => this.#outbox.enabled,
    );
    this.#refresh = new CaggRefresher(this.#db, this.#sql, this.name, this.#options.eventSink);
  }

  /** "timescaledb" or "plain" once known (after `migrate()` or the first bar read/write), else null. */
  get storage(): StorageKind | null {
    return this.#storage;
  }

  /** The resolved pool settings (min/max connections, command timeout, statement cache size). */
  get poolConfig(): ResolvedTimescaleOptions["pool"] {
    return this.#options.pool;
  }

  /** False when statements run unnamed (option or DSN parameter `qts_prepared_statements=off`: PgBouncer). */
  get preparedStatements(): boolean {
    return this.#options.preparedStatements;
  }

  /** True while every write also records an outbox row (option `outbox`, or `enableOutbox()`). */
  get outboxEnabled(): boolean {
    return this.#outbox.enabled;
  }

  /** Turns the transactional outbox on (see `OutboxStore` of `@qts/contracts`); `HybridAdapter` does this. */
  enableOutbox(): void {
    this.#outbox.enabled = true;
  }

  /** Hands the oldest outbox rows to `deliver` under the relay lock (see `OutboxTable.relay`). */
  relayOutbox(
    limit: number,
    deliver: (rows: readonly OutboxRow[]) => Promise<OutboxDelivery>,
  ): Promise<number | null> {
    return this.#outbox.relay(limit, deliver);
  }

  discardOutbox(kinds: readonly string[]): Promise<number> {
    return this.#outbox.discard(kinds);
  }

  outboxStats(): Promise<OutboxStats> {
    return this.#outbox.stats();
  }

  toString(): string {
    return `TimescaleAdapter(${redactDsn(this.#options.dsn)}, schema=${this.schema})`;
  }

  /** Applies pending migrations (see `runMigrations`) and opens the pool's minimum connections. */
  async migrate(): Promise<MigrationResult> {
    this.#db.checkOpen();
    let result: MigrationResult;
    try {
      result = await runMigrations(this.#db.pool, {
        schema: this.schema,
        timescale: this.#options.timescale,
        compressAfter: this.#options.compressAfter,
        tickRetention: this.#options.tickRetention,
        statementTimeoutMs: Math.max(120_000, this.#options.pool.commandTimeoutMs),
      });
    } catch (error) {
      throw this.#db.error(error, "migrate");
    }
    this.#storage = result.storage;
    await this.warmUp().catch(() => undefined);
    return result;
  }

  /** Opens connections up to `minConnections` (pg opens them lazily otherwise). */
  async warmUp(): Promise<void> {
    this.#db.checkOpen();
    // Holding `minConnections` clients at once makes the pool open that many (idle ones are reused).
    const want = this.#options.pool.minConnections;
    const clients = await Promise.allSettled(Array.from({ length: want }, () => checkout(this.#db.pool)));
    for (const c of clients) if (c.status === "fulfilled") c.value.release();
    const failed = clients.find((c) => c.status === "rejected");
    if (failed) throw this.#db.error(failed.reason, "warmUp");
  }

  async fetchPositions(): Promise<Position[]> {
    const rows = await this.#db.query<PositionRow>("fetchPositions", this.#sql.fetchPositions, []);
    return rows.map(toPosition);
  }

  async fetchPosition(symbol: string): Promise<Position | null> {
    const sym = validateSymbol(symbol);
    const rows = await this.#db.query<PositionRow>("fetchPosition", this.#sql.fetchPosition, [sym]);
    return rows[0] ? toPosition(rows[0]) : null;
  }

  async updatePosition(symbol: string, qty: Decimal.Value, avgPrice: Decimal.Value): Promise<boolean> {
    const u = positionUpdate(symbol, qty, avgPrice);
    const now = new Date(this.#options.clock.now());
    this.#fills.forget(u.symbol);
    const [text, extra] = this.#outbox.wrap(this.#sql.updatePosition, 5, { kind: "position", ...u });
    await this.#db.query("updatePosition", text, [
      u.symbol,
      u.qty.toFixed(),
      u.avgPrice.toFixed(),
      now,
      ...extra,
    ]);
    return true;
  }

  /** Writes a whole position verbatim (all fields, `updatedAt` as given) — for sync and repair. */
  async putPosition(p: Position): Promise<boolean> {
    const v = position(p);
    this.#fills.forget(v.symbol);
    const [text, extra] = this.#outbox.wrap(this.#sql.putPosition, 11, { kind: "putPosition", position: v });
    await this.#db.query("putPosition", text, [
      v.symbol,
      v.qty.toFixed(),
      v.avgPrice.toFixed(),
      v.market,
      v.exposureValue.toFixed(),
      v.exposurePct.toFixed(),
      v.unrealizedPnl.toFixed(),
      v.updatedAt,
      v.realizedPnl.toFixed(),
      v.version,
      ...extra,
    ]);
    return true;
  }

  async appendLedger(entry: LedgerEntry): Promise<boolean> {
    const e = ledgerEntry({ ...(entry as LedgerEntry), id: null });
    const [text, extra] = this.#outbox.wrap(this.#sql.appendLedger, 12, { kind: "ledger", entry: e });
    await this.#db.query("appendLedger", text, [...ledgerParams(e), ...extra]).catch((error: unknown) => {
      if (!isFillIdTaken(error)) throw error;
      throw new ConflictError(`${this.name}: fillId ${e.fillId} is already in the ledger`, {
        key: e.fillId ?? "",
        source: this.name,
      });
    });
    return true;
  }

  /**
   * Books a fill atomically and idempotently (see `FillBooker`): the ledger entry and the position move in one
   * statement; a fillId already booked resolves with `duplicate: true` (or rejects with `ConflictError`).
   */
  applyFill(f: Fill): Promise<FillResult> {
    return this.#fills.apply(f);
  }

  async fetchLedger(query?: LedgerQuery): Promise<LedgerEntry[]> {
    const q = normalizeLedgerQuery(query);
    const values: unknown[] = [q.start ?? "-infinity", q.end ?? "infinity", q.limit];
    const text = q.symbol === null ? this.#sql.fetchLedger : this.#sql.fetchLedgerBySymbol;
    if (q.symbol !== null) values.push(q.symbol);
    const rows = await this.#history.query<LedgerRow>("fetchLedger", text, values);
    return rows.map(toLedgerEntry);
  }

  /** The symbols held per table (for `syncDataSources`). */
  async listSymbols(): Promise<StoreSymbols> {
    const rows = await this.#db.query<{ kind: keyof StoreSymbols; symbol: string }>(
      "listSymbols",
      this.#sql.listSymbols,
      [],
    );
    const of = (kind: keyof StoreSymbols) => rows.filter((r) => r.kind === kind).map((r) => r.symbol);
    return storeSymbols({
      positions: of("positions"),
      ledger: of("ledger"),
      bars: of("bars"),
      ticks: of("ticks"),
    });
  }

  async fetchOhlcv(symbol: string, start: Date, end: Date, interval?: Interval): Promise<OHLCV[]> {
    const sym = validateSymbol(symbol);
    const { start: s, end: e } = validateTimeRange(start, end);
    const iv = validateInterval(interval);
    const what = "fetchOhlcv";
    const stored = await this.#history.query<BarRow>(what, this.#sql.fetchBars, [sym, iv, s, e]);
    if (stored.length > 0 || iv === "1m") return stored.map(toBar);
    // Buckets whose start lies in [s, e), each aggregating its whole bucket: first from 1m bars (rollups or
    // continuous aggregates), then from the finest other finer interval that has bars.
    const rollup = await this.#fromOneMinute(sym, s, e, iv as RollupInterval);
    if (rollup.length > 0) return rollup.map(toBar);
    const stride = pgInterval(iv);
    const size = INTERVAL_MS[iv];
    const ceil = (ms: number) => Math.ceil(ms / size) * size;
    const from = new Date(ceil(s.getTime()));
    const to = new Date(ceil(e.getTime()));
    for (const finer of finerIntervals(iv)) {
      if (finer === "1m") continue;
      const rows = await this.#history.query<BarRow>(what, this.#sql.aggregateBars, [
        sym,
        finer,
        from,
        to,
        stride,
      ]);
      if (rows.length > 0) return rows.map(toBar);
    }
    return [];
  }

  async fetchTickData(symbol: string, start: Date, end: Date): Promise<TickData[]> {
    const sym = validateSymbol(symbol);
    const { start: s, end: e } = validateTimeRange(start, end);
    const rows = await this.#history.query<TickRow>("fetchTickData", this.#sql.fetchTicks, [sym, s, e]);
    return rows.map(toTick);
  }

  async appendOhlcv(bars: readonly OHLCV[], interval?: Interval): Promise<number> {
    const iv = validateInterval(interval);
    const valid = validateAll(bars, "bars", ohlcv);
    this.#db.checkOpen();
    if (valid.length === 0) return 0;
    const unique = dedupeBars(valid);
    const storage = await this.#storageKind();
    const useCopy = unique.length >= this.#options.copyThreshold;
    await this.#db.ingest("appendOhlcv", async (x) => {
      await writeBars(x, unique, iv, useCopy);
      if (iv === "1m" && storage === "plain" && this.#options.maintainRollups)
        await refreshRollups(x, unique);
      await this.#outbox.insertIn(x, { kind: "ohlcv", bars: valid, interval: iv });
    });
    // After the commit: a failed refresh is reported and retried, never a rejection of the committed write.
    if (iv === "1m" && storage === "timescaledb") await this.#refresh.after(unique);
    return valid.length;
  }

  async appendTicks(ticks: readonly TickData[]): Promise<number> {
    const valid = validateAll(ticks, "ticks", tick);
    this.#db.checkOpen();
    if (valid.length === 0) return 0;
    const useCopy = valid.length >= this.#options.copyThreshold;
    return this.#db.ingest("appendTicks", async (x) => {
      const n = await writeTicks(x, valid, useCopy);
      await this.#outbox.insertIn(x, { kind: "ticks", ticks: valid });
      return n;
    });
  }

  async healthCheck(): Promise<HealthStatus> {
    if (this.#db.closed)
      return healthStatus({ healthy: false, source: this.name, error: "adapter is closed" });
    const started = performance.now();
    const details = () => ({
      storage: this.#storage ?? "unknown",
      schema: this.schema,
      poolTotal: this.#db.pool.totalCount,
      poolIdle: this.#db.pool.idleCount,
      poolWaiting: this.#db.pool.waitingCount,
      ...(this.#db.lastPoolError ? { lastPoolError: this.#db.lastPoolError } : {}),
      ...this.#replicas?.details(),
      ...this.#refresh.details(),
    });
    try {
      await this.#replicas?.check();
      await this.#db.pool.query("SELECT 1");
      const latencyMs = performance.now() - started;
      await this.#refresh.retry();
      const extra = this.#outbox.enabled ? await this.#outbox.details() : {};
      return healthStatus({
        healthy: true,
        source: this.name,
        latencyMs,
        details: { ...details(), ...extra },
      });
    } catch (error) {
      const latencyMs = performance.now() - started;
      const mapped = this.#db.error(error, "healthCheck");
      return healthStatus({
        healthy: false,
        source: this.name,
        latencyMs,
        error: mapped.message,
        details: details(),
      });
    }
  }

  /** Ends the pool (waits for checked-out clients). Idempotent; later calls reject as unavailable. */
  async close(): Promise<void> {
    await Promise.all([this.#db.close(), this.#replicas?.close()]);
  }

  // ---- internals -------------------------------------------------------------------------------------

  async #fromOneMinute(sym: string, s: Date, e: Date, iv: RollupInterval): Promise<BarRow[]> {
    const storage = await this.#storageKind();
    if (storage === "timescaledb")
      return this.#history.query<BarRow>("fetchOhlcv", this.#sql.fetchCagg(iv), [sym, s, e]);
    if (this.#options.maintainRollups)
      return this.#history.query<BarRow>("fetchOhlcv", this.#sql.fetchRollup, [sym, iv, s, e]);
    const size = INTERVAL_MS[iv];
    const ceil = (ms: number) => new Date(Math.ceil(ms / size) * size);
    return this.#history.query<BarRow>("fetchOhlcv", this.#sql.aggregateBars, [
      sym,
      "1m",
      ceil(s.getTime()),
      ceil(e.getTime()),
      pgInterval(iv),
    ]);
  }

  async #storageKind(): Promise<StorageKind> {
    if (this.#storage) return this.#storage;
    try {
      const rows = await this.#db.query<{ value: string }>("read storage kind", this.#sql.storage, []);
      this.#storage = rows[0]?.value === "timescaledb" ? "timescaledb" : "plain";
      return this.#storage;
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code === "42P01") {
        throw new DataSourceError(
          `${this.name}: schema "${this.schema}" is not migrated; call migrate() first`,
          {
            cause: error,
            source: this.name,
          },
        );
      }
      throw error;
    }
  }
}
