import {
  type Clock,
  ConflictError,
  type DataSourceAdapter,
  DataSourceError,
  DEFAULT_SHEETS_TABS,
  type Decimal,
  decimalToPlain,
  type Fill,
  type FillResult,
  fill,
  type HealthStatus,
  healthStatus,
  type Interval,
  type LedgerEntry,
  type LedgerQuery,
  ledgerEntry,
  normalizeLedgerQuery,
  type OHLCV,
  ohlcv,
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
import {
  assertOpen,
  barsInRange,
  barsWithAggregation,
  chunks,
  compareStrings,
  type StoreSymbols,
  selectLedger,
  storeSymbols,
  ticksInRange,
  validateAll,
} from "../common/index.js";
import { makeAuth, makeSheetsApi, type SheetsApi, type SheetsAuth } from "./client.js";
import { InvalidRowReporter, type SheetRow, type SheetsRowWarning } from "./invalid-rows.js";
import { KeyedQueue } from "./keyed-queue.js";
import {
  cellText,
  columnLetter,
  dataRange,
  fullColumns,
  isBlankRow,
  ledgerRow,
  ohlcvRow,
  parseLedger,
  parseOhlcv,
  parsePosition,
  parseTick,
  positionRow,
  TAB_HEADERS,
  TAB_KINDS,
  type TabKind,
  tabRange,
  tickRow,
} from "./layout.js";
import { DEFAULT_RETRY, isAmbiguous, type RetryOptions, type RetryStats, withRetry } from "./retry.js";
import { prepareTabs } from "./tabs.js";

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
}

/**
 * `DataSourceAdapter` over a Google spreadsheet: one tab per record kind with a header row, created on
 * first use. Reads use `values.batchGet`, ledger rows `values.append`, position upserts `values.batchUpdate`;
 * every write uses `valueInputOption: "RAW"`, so nothing a cell holds is ever parsed as a formula. Writes are
 * serialized per tab inside the adapter (ledger ids are max(id)+1); every logical operation is retried as a
 * whole (re-reading what it depends on) on 429/5xx/network errors, with truncated exponential backoff and
 * full jitter inside a deadline, then rejects with `DataSourceUnavailableError`.
 */
export class GoogleSheetsAdapter implements DataSourceAdapter {
  readonly name: string;
  readonly spreadsheetId: string;
  readonly tabs: SheetsTabs;
  readonly #api: SheetsApi;
  readonly #retry: RetryOptions;
  readonly #stats: RetryStats = { attempts: 0, retries: 0, failures: 0 };
  readonly #queue = new KeyedQueue();
  readonly #clock: Clock;
  readonly #chunk: number;
  readonly #rows: InvalidRowReporter;
  #ready: Promise<void> | null = null;
  #closed = false;

  constructor(options: GoogleSheetsAdapterOptions) {
    if (typeof options?.spreadsheetId !== "string" || options.spreadsheetId.trim() === "") {
      throw new ValidationError("spreadsheetId", options?.spreadsheetId, "must be a non-empty string");
    }
    this.spreadsheetId = options.spreadsheetId.trim();
    this.name = options.name ?? "sheets";
    this.tabs = Object.freeze({ ...DEFAULT_SHEETS_TABS, ...definedOnly(options.tabs ?? {}) });
    const titles = new Set(Object.values(this.tabs));
    if (titles.size !== TAB_KINDS.length)
      throw new ValidationError("tabs", this.tabs, "tab names must be distinct");
    this.#retry = { ...DEFAULT_RETRY, ...definedOnly(options.retry ?? {}) };
    this.#clock = options.clock ?? systemClock;
    this.#chunk = options.maxRowsPerRequest ?? 5000;
    this.#rows = new InvalidRowReporter(
      options.onWarning ??
        ((w) => process.emitWarning(`${w.tab}!${w.row}: ${w.message}`, { code: "QTS_SHEETS_INVALID_ROW" })),
    );
    const auth = makeAuth(options.auth, options.keyFile || undefined);
    this.#api = makeSheetsApi(this.spreadsheetId, auth, options.rootUrl || undefined);
  }

  /** Requests, retries and undecodable rows seen so far. */
  get stats(): { attempts: number; retries: number; failures: number; invalidRows: number } {
    return { ...this.#stats, invalidRows: this.#rows.count };
  }

  async fetchPositions(): Promise<Position[]> {
    this.#checkOpen();
    const rows = await this.#read("fetchPositions", "positions");
    const bySymbol = new Map<string, Position>();
    for (const p of this.#rows.decode(this.tabs.positions, rows, parsePosition))
      if (!bySymbol.has(p.symbol)) bySymbol.set(p.symbol, p);
    return [...bySymbol.values()].sort((a, b) => compareStrings(a.symbol, b.symbol));
  }

  async fetchPosition(symbol: string): Promise<Position | null> {
    const sym = validateSymbol(symbol);
    this.#checkOpen();
    const rows = await this.#read("fetchPosition", "positions");
    return this.#rows.decode(this.tabs.positions, rows, parsePosition).find((p) => p.symbol === sym) ?? null;
  }

  async updatePosition(symbol: string, qty: Decimal.Value, avgPrice: Decimal.Value): Promise<boolean> {
    const u = positionUpdate(symbol, qty, avgPrice);
    this.#checkOpen();
    return this.#write("updatePosition", "positions", async (timeoutMs) => {
      const updatedAt = new Date(this.#clock.now()).toISOString();
      const found = await this.#findPositionRow(u.symbol, timeoutMs);
      const tab = this.tabs.positions;
      if (found === null) {
        const row = positionRow(position({ ...u, updatedAt, version: 1 }));
        await this.#api.append(tabRange(tab, fullColumns("positions")), [row], timeoutMs);
      } else {
        const r = found.row;
        await this.#api.batchUpdate(
          [
            {
              range: tabRange(tab, `B${r}:C${r}`),
              values: [[decimalToPlain(u.qty), decimalToPlain(u.avgPrice)]],
            },
            { range: tabRange(tab, `H${r}`), values: [[updatedAt]] },
            { range: tabRange(tab, `J${r}`), values: [[String(found.version + 1)]] },
          ],
          timeoutMs,
        );
      }
      return true;
    });
  }

  /** Writes a whole position row (every field, `updatedAt` as given): used by seeding, sync and repair. */
  async putPosition(p: Position): Promise<boolean> {
    const valid = position(p);
    this.#checkOpen();
    return this.#write("putPosition", "positions", async (timeoutMs) => {
      const r = (await this.#findPositionRow(valid.symbol, timeoutMs))?.row ?? null;
      const tab = this.tabs.positions;
      const columns = fullColumns("positions");
      if (r === null) await this.#api.append(tabRange(tab, columns), [positionRow(valid)], timeoutMs);
      else
        await this.#api.batchUpdate(
          [{ range: tabRange(tab, columns.replace(":", `${r}:`) + r), values: [positionRow(valid)] }],
          timeoutMs,
        );
      return true;
    });
  }

  async appendLedger(entry: LedgerEntry): Promise<boolean> {
    const valid = ledgerEntry({ ...entry, id: null });
    this.#checkOpen();
    let assigned: string[] | null = null;
    return this.#write("appendLedger", "ledger", async (timeoutMs, attempt, previousError) => {
      const tab = this.tabs.ledger;
      if (assigned && attempt > 0 && isAmbiguous(previousError)) {
        // The previous append may have landed: the row with our id and content is proof.
        const [rows = []] = await this.#api.batchGet([dataRange("ledger", tab)], timeoutMs);
        const mine = assigned;
        if (rows.some((row) => mine.every((v, i) => cellText(row[i]) === v))) return true;
      }
      const fillIdColumn = columnLetter(TAB_HEADERS.ledger.indexOf("fillId"));
      const [ids = [], fillIds = []] = await this.#api.batchGet(
        [tabRange(tab, "A2:A"), tabRange(tab, `${fillIdColumn}2:${fillIdColumn}`)],
        timeoutMs,
      );
      if (valid.fillId !== null && fillIds.some(([cell]) => cellText(cell) === valid.fillId)) {
        // Our own earlier attempt (ambiguous failure) is caught above; this is another booking of the fillId.
        throw new ConflictError(`${this.name}: fillId ${valid.fillId} is already in the ledger`, {
          key: valid.fillId,
          source: this.name,
        });
      }
      let max = 0;
      for (const [cell] of ids) {
        const text = cellText(cell).trim();
        if (/^\d+$/.test(text)) max = Math.max(max, Number(text));
      }
      assigned = ledgerRow(ledgerEntry({ ...valid, id: max + 1 }));
      await this.#api.append(tabRange(tab, fullColumns("ledger")), [assigned], timeoutMs);
      return true;
    });
  }

  /**
   * Not supported yet: a spreadsheet has no transaction spanning the ledger and positions tabs, so booking a
   * fill exactly once needs a design of its own. Validates the fill, then rejects with `DataSourceError`.
   */
  async applyFill(f: Fill): Promise<FillResult> {
    const v = fill(f);
    this.#checkOpen();
    throw new DataSourceError(
      `${this.name}: applyFill is not supported yet by the Sheets adapter (fill ${v.fillId}); ` +
        "book fills in PostgreSQL or memory (a Hybrid adapter with a Sheets primary cannot book them either)",
      { source: this.name },
    );
  }

  async fetchLedger(query?: LedgerQuery): Promise<LedgerEntry[]> {
    const q = normalizeLedgerQuery(query);
    this.#checkOpen();
    const rows = await this.#read("fetchLedger", "ledger");
    return selectLedger(this.#rows.decode(this.tabs.ledger, rows, parseLedger), q);
  }

  async fetchOhlcv(symbol: string, start: Date, end: Date, interval?: Interval): Promise<OHLCV[]> {
    const sym = validateSymbol(symbol);
    const range = validateTimeRange(start, end);
    const iv = validateInterval(interval);
    this.#checkOpen();
    const rows = await this.#read("fetchOhlcv", "ohlcv");
    // interval → time → bar for this symbol; a later row with the same key wins (as an upsert would).
    const index = new Map<Interval, Map<number, OHLCV>>();
    for (const { bar, interval: barIv } of this.#rows.decode(this.tabs.ohlcv, rows, parseOhlcv)) {
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
    const rows = await this.#read("fetchTickData", "ticks");
    return ticksInRange(this.#rows.decode(this.tabs.ticks, rows, parseTick), sym, range.start, range.end);
  }

  async appendOhlcv(bars: readonly OHLCV[], interval?: Interval): Promise<number> {
    const iv = validateInterval(interval);
    const valid = validateAll(bars, "bars", ohlcv);
    this.#checkOpen();
    if (valid.length === 0) return 0;
    const latest = new Map<string, OHLCV>();
    for (const bar of valid) latest.set(barKey(bar.symbol, bar.time.getTime()), bar);
    await this.#write("appendOhlcv", "ohlcv", async (timeoutMs) => {
      const tab = this.tabs.ohlcv;
      const [rows = []] = await this.#api.batchGet([dataRange("ohlcv", tab)], timeoutMs);
      const existing = new Map<string, number>();
      rows.forEach((row, i) => {
        if (cellText(row[7]).trim() !== iv) return;
        const ms = Date.parse(cellText(row[0]));
        if (!Number.isNaN(ms)) existing.set(barKey(cellText(row[1]).trim(), ms), i + 2);
      });
      const updates: { range: string; values: string[][] }[] = [];
      const appends: string[][] = [];
      for (const [key, bar] of latest) {
        const r = existing.get(key);
        if (r === undefined) appends.push(ohlcvRow(bar, iv));
        else updates.push({ range: tabRange(tab, `A${r}:H${r}`), values: [ohlcvRow(bar, iv)] });
      }
      for (const part of chunks(updates, this.#chunk)) await this.#api.batchUpdate(part, timeoutMs);
      for (const part of chunks(appends, this.#chunk))
        await this.#api.append(tabRange(tab, "A:H"), part, timeoutMs);
      return true;
    });
    return valid.length;
  }

  async appendTicks(ticks: readonly TickData[]): Promise<number> {
    const valid = validateAll(ticks, "ticks", tick);
    this.#checkOpen();
    if (valid.length === 0) return 0;
    const parts = chunks(valid.map(tickRow), this.#chunk);
    let done = 0;
    await this.#write("appendTicks", "ticks", async (timeoutMs, attempt, previousError) => {
      const tab = this.tabs.ticks;
      if (attempt > 0 && isAmbiguous(previousError) && done < parts.length) {
        // The chunk in flight may have landed: if the tab ends with exactly those rows, count it as written.
        const [rows = []] = await this.#api.batchGet([dataRange("ticks", tab)], timeoutMs);
        const part = parts[done] ?? [];
        const tail = rows.slice(-part.length);
        if (
          tail.length === part.length &&
          part.every((r, i) => r.every((v, j) => cellText(tail[i]?.[j]) === v))
        )
          done++;
      }
      for (; done < parts.length; done++)
        await this.#api.append(tabRange(tab, "A:G"), parts[done] ?? [], timeoutMs);
      return true;
    });
    return valid.length;
  }

  /** The symbols held per tab (for `syncDataSources`): reads every tab once. */
  async listSymbols(): Promise<StoreSymbols> {
    this.#checkOpen();
    const [positions, ledger, bars, ticks] = await Promise.all([
      this.#read("listSymbols", "positions"),
      this.#read("listSymbols", "ledger"),
      this.#read("listSymbols", "ohlcv"),
      this.#read("listSymbols", "ticks"),
    ]);
    return storeSymbols({
      positions: this.#rows.decode(this.tabs.positions, positions, parsePosition).map((p) => p.symbol),
      ledger: this.#rows.decode(this.tabs.ledger, ledger, parseLedger).map((e) => e.symbol),
      bars: this.#rows.decode(this.tabs.ohlcv, bars, parseOhlcv).map((b) => b.bar.symbol),
      ticks: this.#rows.decode(this.tabs.ticks, ticks, parseTick).map((t) => t.symbol),
    });
  }

  async healthCheck(): Promise<HealthStatus> {
    const started = performance.now();
    const details: Record<string, string | number | boolean> = {
      spreadsheetId: this.spreadsheetId,
      invalidRows: this.#rows.count,
      retries: this.#stats.retries,
    };
    const last = this.#rows.last;
    if (last !== undefined) details.lastInvalidRow = last;
    if (this.#closed) {
      return healthStatus({ healthy: false, source: this.name, error: "adapter is closed", details });
    }
    try {
      const options = { ...this.#retry, deadlineMs: Math.min(this.#retry.deadlineMs, 5000) };
      await withRetry("healthCheck", this.name, options, this.#stats, (_a, t) => this.#api.getTabs(t));
      // Reachable, so healthy; skipped rows are still worth a human's attention.
      const error = last === undefined ? "" : `${this.#rows.count} undecodable row(s) skipped; last: ${last}`;
      return healthStatus({
        healthy: true,
        source: this.name,
        latencyMs: performance.now() - started,
        error,
        details,
      });
    } catch (error) {
      return healthStatus({
        healthy: false,
        source: this.name,
        latencyMs: performance.now() - started,
        error: error instanceof Error ? error.message : String(error),
        details,
      });
    }
  }

  /** Waits for the writes already queued, then refuses new calls. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.idle();
  }

  /** The sheet row of a symbol's position and its stored version (a blank or bad version counts as 0). */
  async #findPositionRow(
    symbol: string,
    timeoutMs: number,
  ): Promise<{ row: number; version: number } | null> {
    const tab = this.tabs.positions;
    const [cells = [], versions = []] = await this.#api.batchGet(
      [tabRange(tab, "A2:A"), tabRange(tab, "J2:J")],
      timeoutMs,
    );
    const i = cells.findIndex(([cell]) => cellText(cell).trim() === symbol);
    if (i === -1) return null;
    const text = cellText(versions[i]?.[0]).trim();
    return { row: i + 2, version: /^\d+$/.test(text) ? Number(text) : 0 };
  }

  /** One retried logical read of a tab's data rows (blank rows dropped). */
  async #read(what: string, kind: TabKind): Promise<SheetRow[]> {
    await this.#ensureTabs();
    const [rows = []] = await withRetry(what, this.name, this.#retry, this.#stats, (_a, t) =>
      this.#api.batchGet([dataRange(kind, this.tabs[kind])], t),
    );
    const out: SheetRow[] = [];
    rows.forEach((cells, i) => {
      if (!isBlankRow(cells)) out.push({ row: i + 2, cells });
    });
    return out;
  }

  /** One retried logical write, serialized with the other writes to the same tab. */
  #write<T>(
    what: string,
    kind: TabKind,
    op: (timeoutMs: number, attempt: number, previousError: unknown) => Promise<T>,
  ): Promise<T> {
    return this.#queue.run(kind, async () => {
      await this.#ensureTabs();
      return withRetry(what, this.name, this.#retry, this.#stats, (attempt, timeoutMs, previousError) =>
        op(timeoutMs, attempt, previousError),
      );
    });
  }

  #ensureTabs(): Promise<void> {
    if (!this.#ready) {
      this.#ready = withRetry("prepare tabs", this.name, this.#retry, this.#stats, (_a, t) =>
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

function barKey(symbol: string, ms: number): string {
  return `${symbol}\u0000${ms}`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
