import {
  type Clock,
  ConflictError,
  type Decimal,
  decimalToPlain,
  type Interval,
  type LedgerEntry,
  ledgerEntry,
  type OHLCV,
  type Position,
  position,
  type SheetsTabs,
  type TickData,
} from "@qts/contracts";
import { chunks } from "../common/index.js";
import type { SheetsApi } from "./client.js";
import { Coalescer, Rejection } from "./coalescer.js";
import {
  type ApiCell,
  cellText,
  columnLetter,
  fullColumns,
  ledgerRow,
  ohlcvRow,
  positionRow,
  TAB_HEADERS,
  type TabKind,
  tabRange,
  tickRow,
} from "./layout.js";
import { httpStatus, isAmbiguous } from "./retry.js";
import { firstRowOf, type TabSnapshots } from "./snapshot.js";

export type PositionOp =
  | { readonly kind: "update"; readonly symbol: string; readonly qty: Decimal; readonly avgPrice: Decimal }
  | { readonly kind: "put"; readonly position: Position };

export interface BarsOp {
  readonly bars: readonly OHLCV[];
  readonly interval: Interval;
}

type Attempt = (attempt: number, timeoutMs: number, previousError: unknown) => Promise<void>;

/** What the writers need from the adapter. */
export interface WriterContext {
  /** The adapter's name, for errors. */
  readonly source: string;
  readonly api: SheetsApi;
  readonly tabs: SheetsTabs;
  readonly snapshots: TabSnapshots;
  readonly clock: Clock;
  readonly chunk: number;
  /** Age up to which a snapshot may plan an in-place update (positions, bars). */
  readonly maxAgeMs: number;
  /** After a write got no response, how long it may still land (we look only after that). */
  readonly lateWriteWindowMs: number;
  /** Waits until a write request may be sent (quota), so writes queue up meanwhile. */
  readonly ready: () => Promise<void>;
  /** Runs one logical write with the adapter's retry loop (after the tabs exist). */
  readonly write: (what: string, attempt: Attempt) => Promise<void>;
}

const FILL_ID_COLUMN = TAB_HEADERS.ledger.indexOf("fillId");
const VERSION_COLUMN = TAB_HEADERS.positions.indexOf("version");
const LAST_POSITION_COLUMN = columnLetter(TAB_HEADERS.positions.length - 1);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * One coalescing queue per tab: every flush sends what was queued meanwhile as one `values.append` (ledger,
 * ticks, new bars and positions) and/or one `values.batchUpdate` (rows updated in place), then patches the
 * snapshot, then resolves the callers: a write resolves only once Google acknowledged it.
 */
export class SheetsWriters {
  readonly ledger: Coalescer<LedgerEntry, boolean>;
  readonly ticks: Coalescer<readonly TickData[], number>;
  readonly bars: Coalescer<BarsOp, number>;
  readonly positions: Coalescer<PositionOp, boolean>;
  /** Time of the last write request that got no answer at all (it may still land). */
  #lastSilentFailure = 0;

  constructor(private readonly ctx: WriterContext) {
    this.ledger = new Coalescer((ops) => this.#flushLedger(ops), ctx.ready);
    this.ticks = new Coalescer((ops) => this.#flushTicks(ops), ctx.ready);
    this.bars = new Coalescer((ops) => this.#flushBars(ops), ctx.ready);
    this.positions = new Coalescer((ops) => this.#flushPositions(ops), ctx.ready);
  }

  async idle(): Promise<void> {
    await Promise.all([this.ledger.idle(), this.ticks.idle(), this.bars.idle(), this.positions.idle()]);
  }

  /** Sends one request, remembering when a request failed without any answer. */
  async #send<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (httpStatus(error) === null) this.#lastSilentFailure = Date.now();
      throw error;
    }
  }

  /**
   * Before retrying after an ambiguous failure: wait until the lost request can no longer land, then read the
   * tab afresh. Returns the rows to plan from.
   */
  async #rowsFor(
    kind: TabKind,
    attempt: number,
    previousError: unknown,
    maxAgeMs: number,
  ): Promise<ApiCell[][]> {
    if (attempt > 0 && isAmbiguous(previousError)) {
      if (httpStatus(previousError) === null)
        await sleep(this.#lastSilentFailure + this.ctx.lateWriteWindowMs - Date.now());
      return this.ctx.snapshots.refresh(kind);
    }
    return this.ctx.snapshots.rows(kind, maxAgeMs);
  }

  async #append(kind: TabKind, cols: string, rows: readonly string[][], timeoutMs: number): Promise<void> {
    const tab = this.ctx.tabs[kind];
    const range = await this.#send(() => this.ctx.api.append(tabRange(tab, cols), rows, timeoutMs));
    const first = firstRowOf(range);
    if (first === null) this.ctx.snapshots.invalidate(kind);
    else this.ctx.snapshots.patch(kind, first, 0, rows);
  }

  async #update(
    kind: TabKind,
    updates: readonly { row: number; col: number; cols: string; values: string[] }[],
    timeoutMs: number,
  ): Promise<void> {
    const tab = this.ctx.tabs[kind];
    for (const part of chunks(updates, this.ctx.chunk)) {
      await this.#send(() =>
        this.ctx.api.batchUpdate(
          part.map((u) => ({ range: tabRange(tab, u.cols), values: [u.values] })),
          timeoutMs,
        ),
      );
      for (const u of part) this.ctx.snapshots.patch(kind, u.row, u.col, [u.values]);
    }
  }

  /**
   * Ledger: ids are assigned from the tab (max + 1) and written with the row, so a retry can find them. A
   * `fillId` already in the tab (or earlier in the batch) rejects that entry with `ConflictError`, nothing
   * written for it.
   */
  async #flushLedger(entries: LedgerEntry[]): Promise<(boolean | Rejection)[]> {
    let rows: string[][] | null = null;
    let pending: string[][] = [];
    const results: (boolean | Rejection)[] = entries.map(() => true);
    await this.ctx.write("appendLedger", async (attempt, timeoutMs, previousError) => {
      const tab = await this.#rowsFor("ledger", attempt, previousError, Number.POSITIVE_INFINITY);
      const stored = new Map<string, string[]>();
      let max = 0;
      for (const r of tab) {
        const id = cellText(r[0]).trim();
        if (!/^\d+$/.test(id)) continue;
        max = Math.max(max, Number(id));
        stored.set(id, r.map(cellText));
      }
      if (rows === null) {
        const fillIds = new Set(tab.map((r) => cellText(r[FILL_ID_COLUMN]).trim()).filter((id) => id !== ""));
        let next = max;
        rows = [];
        for (const [i, e] of entries.entries()) {
          if (e.fillId !== null && fillIds.has(e.fillId)) {
            results[i] = new Rejection(
              new ConflictError(`${this.ctx.source}: fillId ${e.fillId} is already in the ledger`, {
                key: e.fillId,
                source: this.ctx.source,
              }),
            );
            continue;
          }
          if (e.fillId !== null) fillIds.add(e.fillId);
          rows.push(ledgerRow(ledgerEntry({ ...e, id: ++next })));
        }
        pending = rows;
      } else {
        // After a failure: rows whose id is in the tab with our content landed; an id taken by another row
        // (someone else appended meanwhile) gets a new one.
        let next = max;
        pending = pending.flatMap((row) => {
          const found = stored.get(row[0] ?? "");
          if (found === undefined) return [row];
          if (row.every((v, i) => (found[i] ?? "") === v)) return [];
          next++;
          return [[String(next), ...row.slice(1)]];
        });
      }
      while (pending.length > 0) {
        const part = pending.slice(0, this.ctx.chunk);
        await this.#append("ledger", fullColumns("ledger"), part, timeoutMs);
        pending = pending.slice(part.length);
      }
    });
    return results;
  }

  /** Ticks carry no id: after an ambiguous failure, a chunk counts as landed if the tab ends with it. */
  async #flushTicks(ops: (readonly TickData[])[]): Promise<number[]> {
    const parts = chunks(
      ops.flatMap((ticks) => ticks.map(tickRow)),
      this.ctx.chunk,
    );
    let done = 0;
    await this.ctx.write("appendTicks", async (attempt, timeoutMs, previousError) => {
      if (attempt > 0 && isAmbiguous(previousError) && done < parts.length) {
        const rows = (await this.#rowsFor("ticks", attempt, previousError, 0)).filter((r) => r.length > 0);
        const part = parts[done] ?? [];
        const tail = rows.slice(-part.length);
        if (
          tail.length === part.length &&
          part.every((r, i) => r.every((v, j) => cellText(tail[i]?.[j]) === v))
        )
          done++;
      }
      for (; done < parts.length; done++) await this.#append("ticks", "A:G", parts[done] ?? [], timeoutMs);
    });
    return ops.map((t) => t.length);
  }

  /** Bars: one upsert per (interval, symbol, time), the last queued wins; planned from the snapshot. */
  async #flushBars(ops: BarsOp[]): Promise<number[]> {
    const latest = new Map<string, { bar: OHLCV; interval: Interval }>();
    for (const op of ops)
      for (const bar of op.bars)
        latest.set(barKey(op.interval, bar.symbol, bar.time.getTime()), { bar, interval: op.interval });
    await this.ctx.write("appendOhlcv", async (attempt, timeoutMs, previousError) => {
      const tab = await this.#rowsFor("ohlcv", attempt, previousError, this.ctx.maxAgeMs);
      const existing = new Map<string, number>();
      tab.forEach((row, i) => {
        const ms = Date.parse(cellText(row[0]));
        const key = barKey(cellText(row[7]).trim(), cellText(row[1]).trim(), ms);
        if (!Number.isNaN(ms) && !existing.has(key)) existing.set(key, i + 2);
      });
      const updates: { row: number; col: number; cols: string; values: string[] }[] = [];
      const appends: string[][] = [];
      for (const [key, { bar, interval }] of latest) {
        const r = existing.get(key);
        if (r === undefined) appends.push(ohlcvRow(bar, interval));
        else updates.push({ row: r, col: 0, cols: `A${r}:H${r}`, values: ohlcvRow(bar, interval) });
      }
      await this.#update("ohlcv", updates, timeoutMs);
      for (const part of chunks(appends, this.ctx.chunk)) await this.#append("ohlcv", "A:H", part, timeoutMs);
    });
    return ops.map((op) => op.bars.length);
  }

  /** Positions: the queued operations of each symbol merged, one batchUpdate for rows in place, one append. */
  async #flushPositions(ops: PositionOp[]): Promise<boolean[]> {
    // Per symbol: a whole row (put), or qty/avgPrice with how many updates bump its `version`.
    const desired = new Map<string, { whole?: Position; qty?: Decimal; avgPrice?: Decimal; bumps: number }>();
    for (const op of ops) {
      if (op.kind === "put") desired.set(op.position.symbol, { whole: op.position, bumps: 0 });
      else {
        const d = desired.get(op.symbol);
        if (d?.whole)
          d.whole = position({
            ...d.whole,
            qty: op.qty,
            avgPrice: op.avgPrice,
            updatedAt: this.#now(),
            version: d.whole.version + 1,
          });
        else desired.set(op.symbol, { qty: op.qty, avgPrice: op.avgPrice, bumps: (d?.bumps ?? 0) + 1 });
      }
    }
    await this.ctx.write("updatePosition", async (attempt, timeoutMs, previousError) => {
      const tab = await this.#rowsFor("positions", attempt, previousError, this.ctx.maxAgeMs);
      const rowOf = new Map<string, number>();
      const versionOf = new Map<string, number>();
      tab.forEach((row, i) => {
        const symbol = cellText(row[0]).trim();
        if (symbol !== "" && !rowOf.has(symbol)) {
          rowOf.set(symbol, i + 2);
          const v = cellText(row[VERSION_COLUMN]).trim();
          versionOf.set(symbol, /^\d+$/.test(v) ? Number(v) : 0);
        }
      });
      const updatedAt = this.#now();
      const updates: { row: number; col: number; cols: string; values: string[] }[] = [];
      const appends: string[][] = [];
      for (const [symbol, d] of desired) {
        const r = rowOf.get(symbol);
        const version = (versionOf.get(symbol) ?? 0) + d.bumps;
        const whole =
          d.whole ?? position({ symbol, qty: d.qty ?? 0, avgPrice: d.avgPrice ?? 0, updatedAt, version });
        if (r === undefined) appends.push(positionRow(whole));
        else if (d.whole)
          updates.push({
            row: r,
            col: 0,
            cols: `A${r}:${LAST_POSITION_COLUMN}${r}`,
            values: positionRow(whole),
          });
        else {
          const plain = [decimalToPlain(whole.qty), decimalToPlain(whole.avgPrice)];
          const v = columnLetter(VERSION_COLUMN);
          updates.push({ row: r, col: 1, cols: `B${r}:C${r}`, values: plain });
          updates.push({ row: r, col: 7, cols: `H${r}`, values: [updatedAt] });
          updates.push({ row: r, col: VERSION_COLUMN, cols: `${v}${r}`, values: [String(version)] });
        }
      }
      await this.#update("positions", updates, timeoutMs);
      for (const part of chunks(appends, this.ctx.chunk))
        await this.#append("positions", fullColumns("positions"), part, timeoutMs);
    });
    return ops.map(() => true);
  }

  #now(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }
}

function barKey(interval: string, symbol: string, ms: number): string {
  return `${interval}\u0000${symbol}\u0000${ms}`;
}
