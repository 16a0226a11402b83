import {
  applyFillToPosition,
  type Clock,
  type DataSourceAdapter,
  DEFAULT_SHEETS_TABS,
  type Decimal,
  type Fill,
  type FillResult,
  fill,
  type HealthStatus,
  healthStatus,
  type Interval,
  KeyedSerializer,
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
  type SheetsTabs,
  systemClock,
  type TickData,
  tick,
  ValidationError,
  validateInterval,
  validateSymbol,
  validateTimeRange,
} from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
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
} from "../common/index.js";
import { makeAuth, makeSheetsApi, type SheetsApi, type SheetsAuth } from "./client.js";
import { fatalHttpError } from "./errors.js";
import {
  affecting,
  type BadRow,
  badRowsError,
  decodeRows,
  describeBadRows,
  duplicateIds,
  InvalidRowReporter,
  type SheetRow,
  type SheetsRowWarning,
} from "./invalid-rows.js";
import {
  type ApiCell,
  dataRange,
  PARSERS,
  parseLedger,
  parseOhlcv,
  parsePosition,
  parseTick,
  SYMBOL_COLUMN,
  TAB_KINDS,
  type TabKind,
  toSheetRows,
} from "./layout.js";
import { pacedApi, QuotaPacer } from "./pacer.js";
import { DEFAULT_RETRY, type RetryOptions, type RetryStats, withRetry } from "./retry.js";
import { TabSnapshots } from "./snapshot.js";
import { prepareTabs } from "./tabs.js";
import { SheetsWriters } from "./writers.js";

export interface GoogleSheetsAdapterOptions {
  spreadsheetId: string;
  /** An authenticated client (OAuth2Client, JWT, GoogleAuth...). Wins over `keyFile`. */
  auth?: SheetsAuth | undefined;
  /** Service-account key file; used with the spreadsheets scope. Neither: Application Default Credentials. */
  keyFile?: string | undefined;
  /** API root (tests: the local emulator). Default: Google's. */
  rootUrl?: string | undefined;
  tabs?: Partial<SheetsTabs> | undefined;
  retry?: Partial<RetryOptions> | undefined;
  /** Sets `updatedAt` of positions (default: system clock). */
  clock?: Clock | undefined;
  /** Reported as `name` (default "sheets"). */
  name?: string | undefined;
  /** Called once per distinct undecodable row (default: `process.emitWarning`). */
  onWarning?: ((warning: SheetsRowWarning) => void) | undefined;
  /** Rows per append/update request for bulk writes (default 5000). */
  maxRowsPerRequest?: number | undefined;
  /** Write requests per minute to this spreadsheet (default 60, Google's per-user quota); writes are paced to it. */
  writeRequestsPerMinute?: number | undefined;
  /** Reads are served from a per-tab snapshot at most this old (default 1000 ms). */
  snapshotMaxAgeMs?: number | undefined;
  /**
   * After a write request got no answer (timeout, reset), how long it may still be applied by Google: the
   * adapter looks for it only after that, then writes what is missing (default: `retry.requestTimeoutMs`).
   */
  lateWriteWindowMs?: number | undefined;
}

/**
 * `DataSourceAdapter` over a Google spreadsheet: one tab per record kind with a header row, created on
 * first use. Writes are queued per tab and flushed together (one `values.append` and/or one
 * `values.batchUpdate` per tab per flush, `valueInputOption: "RAW"`), paced to the write quota; each resolves
 * once Google acknowledged it. Reads are served from per-tab snapshots (one `values.batchGet` per tab at most
 * every `snapshotMaxAgeMs`, patched by our own writes). Retries: see `retry.ts` (429/5xx/network only).
 */
export class GoogleSheetsAdapter implements DataSourceAdapter {
  readonly name: string;
  readonly spreadsheetId: string;
  readonly tabs: SheetsTabs;
  readonly #api: SheetsApi;
  readonly #retry: RetryOptions;
  readonly #stats: RetryStats = { attempts: 0, retries: 0, failures: 0 };
  readonly #rows: InvalidRowReporter;
  readonly #snapshots: TabSnapshots;
  readonly #writers: SheetsWriters;
  readonly #maxAgeMs: number;
  readonly #pacer: QuotaPacer;
  readonly #clock: Clock;
  /** One symbol's fills are booked one after another (read position, append, write position). */
  readonly #fillLanes = new KeyedSerializer();
  #writeRequests = 0;
  #ready: Promise<void> | null = null;
  #closed = false;

  constructor(options: GoogleSheetsAdapterOptions) {
    if (typeof options?.spreadsheetId !== "string" || options.spreadsheetId.trim() === "") {
      throw new ValidationError("spreadsheetId", options?.spreadsheetId, "must be a non-empty string");
    }
    this.spreadsheetId = options.spreadsheetId.trim();
    this.#clock = options.clock ?? systemClock;
    this.name = options.name ?? "sheets";
    this.tabs = Object.freeze({ ...DEFAULT_SHEETS_TABS, ...definedOnly(options.tabs ?? {}) });
    const titles = new Set(Object.values(this.tabs));
    if (titles.size !== TAB_KINDS.length)
      throw new ValidationError("tabs", this.tabs, "tab names must be distinct");
    this.#retry = { ...DEFAULT_RETRY, ...definedOnly(options.retry ?? {}) };
    this.#maxAgeMs = opt.ms(options.snapshotMaxAgeMs, "snapshotMaxAgeMs", 1000);
    this.#pacer = new QuotaPacer(opt.int(options.writeRequestsPerMinute, "writeRequestsPerMinute", 60, 1));
    this.#rows = new InvalidRowReporter(
      options.onWarning ??
        ((w) => process.emitWarning(`${w.tab}!${w.row}: ${w.message}`, { code: "QTS_SHEETS_INVALID_ROW" })),
    );
    const auth = makeAuth(options.auth, options.keyFile || undefined);
    const api = makeSheetsApi(this.spreadsheetId, auth, options.rootUrl || undefined, this.name);
    this.#api = pacedApi(api, this.#pacer, () => this.#writeRequests++);
    this.#snapshots = new TabSnapshots((kind) => this.#download(kind));
    this.#writers = new SheetsWriters({
      source: this.name,
      api: this.#api,
      tabs: this.tabs,
      snapshots: this.#snapshots,
      clock: this.#clock,
      chunk: opt.int(options.maxRowsPerRequest, "maxRowsPerRequest", 5000, 1),
      maxAgeMs: this.#maxAgeMs,
      lateWriteWindowMs: opt.ms(options.lateWriteWindowMs, "lateWriteWindowMs", this.#retry.requestTimeoutMs),
      ready: () => this.#pacer.ready(),
      write: async (what, attempt) => {
        await this.#ensureTabs();
        await this.#withRetry(what, this.#retry, attempt);
      },
    });
  }

  /** Logical attempts, retries, failures, and write requests sent so far. */
  get stats(): { attempts: number; retries: number; failures: number; writeRequests: number } {
    return { ...this.#stats, writeRequests: this.#writeRequests };
  }

  async fetchPositions(): Promise<Position[]> {
    this.#checkOpen();
    const positions = await this.#decoded("fetchPositions", "positions", null, parsePosition);
    const bySymbol = new Map<string, Position>();
    for (const p of positions) if (!bySymbol.has(p.symbol)) bySymbol.set(p.symbol, p);
    return [...bySymbol.values()].sort((a, b) => compareStrings(a.symbol, b.symbol));
  }

  async fetchPosition(symbol: string): Promise<Position | null> {
    const sym = validateSymbol(symbol);
    this.#checkOpen();
    const positions = await this.#decoded("fetchPosition", "positions", sym, parsePosition);
    return positions.find((p) => p.symbol === sym) ?? null;
  }

  async updatePosition(symbol: string, qty: Decimal.Value, avgPrice: Decimal.Value): Promise<boolean> {
    const u = positionUpdate(symbol, qty, avgPrice);
    this.#checkOpen();
    return this.#writers.positions.push({
      kind: "update",
      symbol: u.symbol,
      qty: u.qty,
      avgPrice: u.avgPrice,
    });
  }

  /** Writes a whole position row (every field, `updatedAt` as given): used by seeding, sync and repair. */
  async putPosition(p: Position): Promise<boolean> {
    const valid = position(p);
    this.#checkOpen();
    return this.#writers.positions.push({ kind: "put", position: valid });
  }

  async appendLedger(entry: LedgerEntry): Promise<boolean> {
    const valid = ledgerEntry({ ...entry, id: null });
    this.#checkOpen();
    return this.#writers.ledger.push(valid);
  }

  /**
   * Books a fill: under this process's per-symbol queue, looks the `fillId` up in the ledger (booked before →
   * the stored entry and the current position, `duplicate: true`; with other content → `ConflictError`, nothing
   * written), then appends the ledger row (carrying the `fillId`; the ledger writer refuses an id it finds in
   * the tab) and writes the new position (`applyFillToPosition`). A spreadsheet has no transaction across two
   * tabs: exactly once holds within a process and for retries of one booking; a crash between the two writes
   * leaves the position one fill behind its ledger (`qts sync --verify` and the consistency check show it).
   * For desks with several writers, book fills in PostgreSQL (Hybrid keeps the sheet as a replica).
   */
  async applyFill(f: Fill): Promise<FillResult> {
    const v = fill(f);
    this.#checkOpen();
    return this.#fillLanes.run(v.symbol, async () => {
      const booked = await this.#entryOfFill(v.fillId);
      if (booked !== null)
        return bookedFillResult(v, booked, await this.fetchPosition(booked.symbol), this.name);
      const next = applyFillToPosition(await this.fetchPosition(v.symbol), v, new Date(this.#clock.now()));
      await this.#writers.ledger.push(ledgerEntryFromFill(v));
      await this.#writers.positions.push({ kind: "put", position: next });
      const entry = (await this.#entryOfFill(v.fillId)) ?? ledgerEntryFromFill(v);
      return Object.freeze({ position: next, entry, duplicate: false });
    });
  }

  /** The ledger entry carrying `fillId` (from the snapshot our own writes patch), or null. */
  async #entryOfFill(fillId: string): Promise<LedgerEntry | null> {
    const entries = await this.#decoded("applyFill", "ledger", null, parseLedger);
    return entries.find((e) => e.fillId === fillId) ?? null;
  }

  async fetchLedger(query?: LedgerQuery): Promise<LedgerEntry[]> {
    const q = normalizeLedgerQuery(query);
    this.#checkOpen();
    return selectLedger(await this.#decoded("fetchLedger", "ledger", q.symbol, parseLedger), q);
  }

  async fetchOhlcv(symbol: string, start: Date, end: Date, interval?: Interval): Promise<OHLCV[]> {
    const sym = validateSymbol(symbol);
    const range = validateTimeRange(start, end);
    const iv = validateInterval(interval);
    this.#checkOpen();
    const decoded = await this.#decoded("fetchOhlcv", "ohlcv", sym, parseOhlcv);
    // interval → time → bar for this symbol; a later row with the same key wins (as an upsert would).
    const index = new Map<Interval, Map<number, OHLCV>>();
    for (const { bar, interval: barIv } of decoded) {
      if (bar.symbol !== sym) continue;
      let byTime = index.get(barIv);
      if (!byTime) index.set(barIv, (byTime = new Map()));
      byTime.set(bar.time.getTime(), bar);
    }
    const barsIn = (i: Interval, s: Date, e: Date) => barsInRange(index.get(i)?.values(), s, e);
    return barsWithAggregation(barsIn, iv, range.start, range.end);
  }

  async fetchTickData(symbol: string, start: Date, end: Date): Promise<TickData[]> {
    const sym = validateSymbol(symbol);
    const range = validateTimeRange(start, end);
    this.#checkOpen();
    const ticks = await this.#decoded("fetchTickData", "ticks", sym, parseTick);
    return ticksInRange(ticks, sym, range.start, range.end);
  }

  async appendOhlcv(bars: readonly OHLCV[], interval?: Interval): Promise<number> {
    const iv = validateInterval(interval);
    const valid = validateAll(bars, "bars", ohlcv);
    this.#checkOpen();
    if (valid.length === 0) return 0;
    return this.#writers.bars.push({ bars: valid, interval: iv });
  }

  async appendTicks(ticks: readonly TickData[]): Promise<number> {
    const valid = validateAll(ticks, "ticks", tick);
    this.#checkOpen();
    if (valid.length === 0) return 0;
    return this.#writers.ticks.push(valid);
  }

  /** The symbols held per tab (for `syncDataSources`); rejects naming the rows when any row cannot be read. */
  async listSymbols(): Promise<StoreSymbols> {
    this.#checkOpen();
    const [positions, ledger, bars, ticks] = await Promise.all([
      this.#decoded("listSymbols", "positions", null, parsePosition),
      this.#decoded("listSymbols", "ledger", null, parseLedger),
      this.#decoded("listSymbols", "ohlcv", null, parseOhlcv),
      this.#decoded("listSymbols", "ticks", null, parseTick),
    ]);
    return storeSymbols({
      positions: positions.map((p) => p.symbol),
      ledger: ledger.map((e) => e.symbol),
      bars: bars.map((b) => b.bar.symbol),
      ticks: ticks.map((t) => t.symbol),
    });
  }

  /**
   * One `spreadsheets.get` and one `values.batchGet` of every tab that exists: unhealthy when unreachable or
   * when any row cannot be read (the rows are listed in `error`).
   */
  async healthCheck(): Promise<HealthStatus> {
    const started = performance.now();
    const details: Record<string, string | number | boolean> = {
      spreadsheetId: this.spreadsheetId,
      retries: this.#stats.retries,
    };
    const unhealthy = (error: string) =>
      healthStatus({
        healthy: false,
        source: this.name,
        latencyMs: performance.now() - started,
        error,
        details,
      });
    if (this.#closed) return unhealthy("adapter is closed");
    try {
      const options = { ...this.#retry, deadlineMs: Math.min(this.#retry.deadlineMs, 5000) };
      const bad = await this.#withRetry("healthCheck", options, async (_a, t) => {
        const present = new Set((await this.#api.getTabs(t)).map((tab) => tab.title));
        const kinds = TAB_KINDS.filter((k) => present.has(this.tabs[k]));
        const data = await this.#api.batchGet(
          kinds.map((k) => dataRange(k, this.tabs[k])),
          t,
        );
        return kinds.flatMap((k, i) => this.#decode(k, toSheetRows(data[i] ?? [])).bad);
      });
      details.invalidRows = bad.length;
      if (bad.length > 0) return unhealthy(`${bad.length} row(s) cannot be read: ${describeBadRows(bad)}`);
      return healthStatus({
        healthy: true,
        source: this.name,
        latencyMs: performance.now() - started,
        details,
      });
    } catch (error) {
      return unhealthy(errorMessage(error));
    }
  }

  /** Waits for the writes already queued, then refuses new calls. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#writers.idle();
  }

  /** A tab's data rows from its snapshot (refreshed when older than `snapshotMaxAgeMs`), blank rows dropped. */
  async #read(_what: string, kind: TabKind): Promise<SheetRow[]> {
    await this.#ensureTabs();
    return toSheetRows(await this.#snapshots.rows(kind, this.#maxAgeMs));
  }

  /** One retried download of a tab (what snapshots are made of). */
  async #download(kind: TabKind): Promise<ApiCell[][]> {
    await this.#ensureTabs();
    const [rows = []] = await this.#withRetry(`read ${this.tabs[kind]}`, this.#retry, (_a, t) =>
      this.#api.batchGet([dataRange(kind, this.tabs[kind])], t),
    );
    return rows;
  }

  /** Every record of a tab; rejects when a row the read of `symbol` (null: every symbol) depends on is bad. */
  async #decoded<T>(what: string, kind: TabKind, symbol: string | null, parse: (c: readonly ApiCell[]) => T) {
    const { records, bad } = this.#decode(kind, await this.#read(what, kind), parse);
    const blocking = affecting(bad, symbol);
    if (blocking.length > 0) throw badRowsError(this.name, what, blocking);
    return records.map((r) => r.value);
  }

  #decode<T>(kind: TabKind, rows: readonly SheetRow[], parse?: (c: readonly ApiCell[]) => T) {
    const tab = this.tabs[kind];
    const decoded = decodeRows(
      tab,
      rows,
      SYMBOL_COLUMN[kind],
      parse ?? (PARSERS[kind] as (c: readonly ApiCell[]) => T),
    );
    const bad: BadRow[] = [...decoded.bad];
    if (kind === "ledger") {
      const cells = new Map(rows.map((r) => [r.row, r.cells]));
      bad.push(
        ...duplicateIds(
          tab,
          decoded.records as { row: number; value: LedgerEntry }[],
          (r) => cells.get(r) ?? [],
        ),
      );
    }
    this.#rows.report(bad);
    const badRows = new Set(bad.map((b) => b.row));
    return { records: decoded.records.filter((r) => !badRows.has(r.row)), bad };
  }

  /** The one retry loop (see retry.ts); errors retrying cannot fix say what to change. */
  #withRetry<T>(
    what: string,
    options: RetryOptions,
    op: (attempt: number, timeoutMs: number, previousError: unknown) => Promise<T>,
  ): Promise<T> {
    return withRetry(what, this.name, options, this.#stats, op, (error) =>
      fatalHttpError(this.name, what, this.spreadsheetId, error),
    );
  }

  #ensureTabs(): Promise<void> {
    if (!this.#ready) {
      this.#ready = this.#withRetry("prepare tabs", this.#retry, (_a, t) =>
        prepareTabs(this.#api, this.tabs, this.name, t),
      );
      this.#ready.catch(() => {
        this.#ready = null;
      });
    }
    return this.#ready;
  }

  #checkOpen(): void {
    assertOpen(this.#closed, this.name);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
