import {
  aggregateBars,
  aggregationSourceRange,
  type Clock,
  type DataSourceAdapter,
  DataSourceUnavailableError,
  DEFAULT_SHEETS_TABS,
  type Decimal,
  decimalToPlain,
  finerIntervals,
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
import { compareStrings, validateAll } from "../memory-adapter.js";
import { makeAuth, makeSheetsApi, type SheetsApi, type SheetsAuth } from "./client.js";
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
import { KeyedQueue } from "./keyed-queue.js";
import {
  type ApiCell,
  cellText,
  dataRange,
  isBlankRow,
  ledgerRow,
  ohlcvRow,
  parseLedger,
  parseOhlcv,
  parsePosition,
  parseTick,
  positionRow,
  TAB_KINDS,
  type TabKind,
  tabRange,
  tickRow,
} from "./layout.js";
import { DEFAULT_RETRY, isAmbiguous, type RetryOptions, type RetryStats, withRetry } from "./retry.js";
import { fatalHttpError } from "./errors.js";
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
    this.#api = makeSheetsApi(this.spreadsheetId, auth, options.rootUrl || undefined, this.name);
  }

  /** Requests and retries so far. */
  get stats(): { attempts: number; retries: number; failures: number } {
    return { ...this.#stats };
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
    return this.#write("updatePosition", "positions", async (timeoutMs) => {
      const updatedAt = new Date(this.#clock.now()).toISOString();
      const r = await this.#findPositionRow(u.symbol, timeoutMs);
      const tab = this.tabs.positions;
      if (r === null) {
        const row = positionRow(position({ ...u, updatedAt }));
        await this.#api.append(tabRange(tab, "A:H"), [row], timeoutMs);
      } else {
        await this.#api.batchUpdate(
          [
            {
              range: tabRange(tab, `B${r}:C${r}`),
              values: [[decimalToPlain(u.qty), decimalToPlain(u.avgPrice)]],
            },
            { range: tabRange(tab, `H${r}`), values: [[updatedAt]] },
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
      const r = await this.#findPositionRow(valid.symbol, timeoutMs);
      const tab = this.tabs.positions;
      if (r === null) await this.#api.append(tabRange(tab, "A:H"), [positionRow(valid)], timeoutMs);
      else
        await this.#api.batchUpdate(
          [{ range: tabRange(tab, `A${r}:H${r}`), values: [positionRow(valid)] }],
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
      const [ids = []] = await this.#api.batchGet([tabRange(tab, "A2:A")], timeoutMs);
      let max = 0;
      for (const [cell] of ids) {
        const text = cellText(cell).trim();
        if (/^\d+$/.test(text)) max = Math.max(max, Number(text));
      }
      assigned = ledgerRow(ledgerEntry({ ...valid, id: max + 1 }));
      await this.#api.append(tabRange(tab, "A:K"), [assigned], timeoutMs);
      return true;
    });
  }

  async fetchLedger(query?: LedgerQuery): Promise<LedgerEntry[]> {
    const q = normalizeLedgerQuery(query);
    this.#checkOpen();
    const entries = await this.#decoded("fetchLedger", "ledger", q.symbol, parseLedger);
    const start = q.start?.getTime() ?? Number.NEGATIVE_INFINITY;
    const end = q.end?.getTime() ?? Number.POSITIVE_INFINITY;
    return entries
      .filter((e) => {
        const t = e.timestamp.getTime();
        return (q.symbol === null || e.symbol === q.symbol) && t >= start && t < end;
      })
      .sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime() || (b.id ?? 0) - (a.id ?? 0))
      .slice(0, q.limit);
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
    const barsIn = (i: Interval, s: Date, e: Date) =>
      [...(index.get(i)?.values() ?? [])]
        .filter((b) => b.time.getTime() >= s.getTime() && b.time.getTime() < e.getTime())
        .sort((a, b) => a.time.getTime() - b.time.getTime());
    const stored = barsIn(iv, range.start, range.end);
    if (stored.length > 0) return stored;
    const source = aggregationSourceRange(range.start, range.end, iv);
    for (const finer of finerIntervals(iv)) {
      const bars = barsIn(finer, source.start, source.end);
      if (bars.length > 0) return aggregateBars(bars, iv);
    }
    return [];
  }

  async fetchTickData(symbol: string, start: Date, end: Date): Promise<TickData[]> {
    const sym = validateSymbol(symbol);
    const range = validateTimeRange(start, end);
    this.#checkOpen();
    const ticks = await this.#decoded("fetchTickData", "ticks", sym, parseTick);
    const s = range.start.getTime();
    const e = range.end.getTime();
    return ticks
      .filter((t) => t.symbol === sym && t.time.getTime() >= s && t.time.getTime() < e)
      .sort((a, b) => a.time.getTime() - b.time.getTime());
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
      return unhealthy(error instanceof Error ? error.message : String(error));
    }
  }

  /** Waits for the writes already queued, then refuses new calls. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.idle();
  }

  async #findPositionRow(symbol: string, timeoutMs: number): Promise<number | null> {
    const [cells = []] = await this.#api.batchGet([tabRange(this.tabs.positions, "A2:A")], timeoutMs);
    const i = cells.findIndex(([cell]) => cellText(cell).trim() === symbol);
    return i === -1 ? null : i + 2;
  }

  /** One retried logical read of a tab's data rows (blank rows dropped). */
  async #read(what: string, kind: TabKind): Promise<SheetRow[]> {
    await this.#ensureTabs();
    const [rows = []] = await this.#withRetry(what, this.#retry, (_a, t) =>
      this.#api.batchGet([dataRange(kind, this.tabs[kind])], t),
    );
    return toSheetRows(rows);
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

  /** One retried logical write, serialized with the other writes to the same tab. */
  #write<T>(
    what: string,
    kind: TabKind,
    op: (timeoutMs: number, attempt: number, previousError: unknown) => Promise<T>,
  ): Promise<T> {
    return this.#queue.run(kind, async () => {
      await this.#ensureTabs();
      return this.#withRetry(what, this.#retry, (attempt, timeoutMs, previousError) =>
        op(timeoutMs, attempt, previousError),
      );
    });
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
    if (this.#closed)
      throw new DataSourceUnavailableError(`${this.name} adapter is closed`, { source: this.name });
  }
}

const SYMBOL_COLUMN: Readonly<Record<TabKind, number>> = { positions: 0, ledger: 2, ohlcv: 1, ticks: 1 };
const PARSERS: Readonly<Record<TabKind, (cells: readonly ApiCell[]) => unknown>> = {
  positions: parsePosition,
  ledger: parseLedger,
  ohlcv: parseOhlcv,
  ticks: parseTick,
};

/** Data rows (sheet row 2 on) with their row numbers, fully blank rows dropped. */
function toSheetRows(rows: readonly (readonly ApiCell[])[]): SheetRow[] {
  const out: SheetRow[] = [];
  rows.forEach((cells, i) => {
    if (!isBlankRow(cells)) out.push({ row: i + 2, cells });
  });
  return out;
}

function barKey(symbol: string, ms: number): string {
  return `${symbol}\u0000${ms}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
