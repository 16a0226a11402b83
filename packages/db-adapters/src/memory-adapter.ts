import {
  applyFillToPosition,
  type Clock,
  ConflictError,
  type DataSourceAdapter,
  type Decimal,
  type Fill,
  type FillResult,
  fill,
  type HealthStatus,
  healthStatus,
  type Interval,
  type LedgerEntry,
  type LedgerQuery,
  ledgerEntry,
  ledgerEntryFromFill,
  normalizeLedgerQuery,
  type OHLCV,
  ohlcv,
  opt,
  type Position,
  position,
  positionUpdate,
  systemClock,
  type TickData,
  tick,
  validateInterval,
  validateSymbol,
  validateTimeRange,
} from "@qts/contracts";
import {
  assertOpen,
  barsInRange,
  barsWithAggregation,
  bookedFillResult,
  compareStrings,
  type StoreSymbols,
  selectLedger,
  storeSymbols,
  ticksInRange,
  validateAll,
} from "./common/index.js";

export interface InMemoryAdapterOptions {
  /** Sets `updatedAt` of positions (default: system clock). */
  clock?: Clock | undefined;
  /** Reported as `name` and in health (default "memory"). */
  name?: string | undefined;
}

/**
 * A Map-based `DataSourceAdapter` for tests and local development, with the same semantics as the
 * database adapters (it passes the same conformance suite). Nothing is persisted.
 */
export class InMemoryAdapter implements DataSourceAdapter {
  readonly name: string;
  readonly #clock: Clock;
  readonly #positions = new Map<string, Position>();
  readonly #ledger: LedgerEntry[] = [];
  /** fillId → its stored ledger entry (fillIds are unique per store). */
  readonly #byFillId = new Map<string, LedgerEntry>();
  #nextLedgerId = 1;
  /** interval → symbol → time (ms) → bar */
  readonly #bars = new Map<Interval, Map<string, Map<number, OHLCV>>>();
  /** symbol → ticks in arrival order */
  readonly #ticks = new Map<string, TickData[]>();
  #closed = false;

  constructor(options?: InMemoryAdapterOptions) {
    const o = opt.object(options);
    this.#clock = opt.clock(o.clock, "clock", systemClock);
    this.name = opt.str(o.name, "name", "memory");
  }

  async fetchPositions(): Promise<Position[]> {
    this.#checkOpen();
    return [...this.#positions.values()].sort((a, b) => compareStrings(a.symbol, b.symbol));
  }

  async fetchPosition(symbol: string): Promise<Position | null> {
    this.#checkOpen();
    return this.#positions.get(validateSymbol(symbol)) ?? null;
  }

  async updatePosition(symbol: string, qty: Decimal.Value, avgPrice: Decimal.Value): Promise<boolean> {
    const update = positionUpdate(symbol, qty, avgPrice);
    this.#checkOpen();
    const existing = this.#positions.get(update.symbol);
    this.#positions.set(
      update.symbol,
      position({
        ...existing,
        ...update,
        updatedAt: new Date(this.#clock.now()),
        version: (existing?.version ?? 0) + 1,
      }),
    );
    return true;
  }

  /** Writes a whole position verbatim (every field, `updatedAt` as given) — for sync and repair. */
  async putPosition(p: Position): Promise<boolean> {
    const valid = position(p);
    this.#checkOpen();
    this.#positions.set(valid.symbol, valid);
    return true;
  }

  async appendLedger(entry: LedgerEntry): Promise<boolean> {
    const valid = ledgerEntry({ ...entry, id: null });
    this.#checkOpen();
    if (valid.fillId !== null && this.#byFillId.has(valid.fillId)) {
      throw new ConflictError(`${this.name}: fillId ${valid.fillId} is already in the ledger`, {
        key: valid.fillId,
        source: this.name,
      });
    }
    this.#storeEntry(valid);
    return true;
  }

  /**
   * Books a fill: one synchronous step after validation (so atomic), `fillId` unique per store. A booked
   * fillId resolves with the stored entry, the current position and `duplicate: true`; with a different
   * symbol, side, qty or price it rejects with `ConflictError` and nothing is written.
   */
  async applyFill(f: Fill): Promise<FillResult> {
    const v = fill(f);
    this.#checkOpen();
    const stored = this.#byFillId.get(v.fillId);
    if (stored) return bookedFillResult(v, stored, this.#positions.get(stored.symbol) ?? null, this.name);
    const next = applyFillToPosition(this.#positions.get(v.symbol) ?? null, v, new Date(this.#clock.now()));
    const entry = this.#storeEntry(ledgerEntryFromFill(v));
    this.#positions.set(next.symbol, next);
    return Object.freeze({ position: next, entry, duplicate: false });
  }

  #storeEntry(valid: LedgerEntry): LedgerEntry {
    const stored = ledgerEntry({ ...valid, id: this.#nextLedgerId++ });
    this.#ledger.push(stored);
    if (stored.fillId !== null) this.#byFillId.set(stored.fillId, stored);
    return stored;
  }

  async fetchLedger(query?: LedgerQuery): Promise<LedgerEntry[]> {
    const q = normalizeLedgerQuery(query);
    this.#checkOpen();
    return selectLedger(this.#ledger, q);
  }

  async fetchOhlcv(symbol: string, start: Date, end: Date, interval?: Interval): Promise<OHLCV[]> {
    const sym = validateSymbol(symbol);
    const range = validateTimeRange(start, end);
    const iv = validateInterval(interval);
    this.#checkOpen();
    const barsIn = (i: Interval, s: Date, e: Date) =>
      barsInRange(this.#bars.get(i)?.get(sym)?.values(), s, e);
    return barsWithAggregation(barsIn, iv, range.start, range.end);
  }

  async fetchTickData(symbol: string, start: Date, end: Date): Promise<TickData[]> {
    const sym = validateSymbol(symbol);
    const range = validateTimeRange(start, end);
    this.#checkOpen();
    return ticksInRange(this.#ticks.get(sym) ?? [], sym, range.start, range.end);
  }

  async appendOhlcv(bars: readonly OHLCV[], interval?: Interval): Promise<number> {
    const iv = validateInterval(interval);
    const valid = validateAll(bars, "bars", ohlcv);
    this.#checkOpen();
    let bySymbol = this.#bars.get(iv);
    if (!bySymbol) this.#bars.set(iv, (bySymbol = new Map()));
    for (const bar of valid) {
      let byTime = bySymbol.get(bar.symbol);
      if (!byTime) bySymbol.set(bar.symbol, (byTime = new Map()));
      byTime.set(bar.time.getTime(), bar);
    }
    return valid.length;
  }

  async appendTicks(ticks: readonly TickData[]): Promise<number> {
    const valid = validateAll(ticks, "ticks", tick);
    this.#checkOpen();
    for (const t of valid) {
      let list = this.#ticks.get(t.symbol);
      if (!list) this.#ticks.set(t.symbol, (list = []));
      list.push(t);
    }
    return valid.length;
  }

  /** The symbols held per record kind (for `syncDataSources`). */
  async listSymbols(): Promise<StoreSymbols> {
    this.#checkOpen();
    return storeSymbols({
      positions: this.#positions.keys(),
      ledger: this.#ledger.map((e) => e.symbol),
      bars: [...this.#bars.values()].flatMap((bySymbol) => [...bySymbol.keys()]),
      ticks: this.#ticks.keys(),
    });
  }

  async healthCheck(): Promise<HealthStatus> {
    return healthStatus({
      healthy: !this.#closed,
      source: this.name,
      latencyMs: 0,
      error: this.#closed ? "adapter is closed" : "",
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #checkOpen(): void {
    assertOpen(this.#closed, this.name);
  }
}
