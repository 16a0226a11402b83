import {
  applyFillToPosition,
  DataSourceError,
  type Fill,
  type FillResult,
  fill,
  fillConflicts,
  KeyedSerializer,
  type LedgerEntry,
  ledgerEntryFromFill,
  type Position,
  withLedgerId,
} from "@qts/contracts";
import type pg from "pg";
import { bookedFillResult } from "../common/index.js";
import { encodeOp } from "../replication/outbox-codec.js";
import { type LedgerRow, ledgerParams, type PositionRow, toLedgerEntry, toPosition } from "./rows.js";
import type { PgRunner } from "./runner.js";
import { FILL_ID_INDEX, POSITION_COLUMNS, type Statements } from "./sql.js";

/** Optimistic attempts before the locked path; locked attempts before giving up (only a new row can race). */
const OPTIMISTIC_ATTEMPTS = 2;
const LOCKED_ATTEMPTS = 10;
/** Positions remembered per adapter (last written by this process); cleared when it grows past this. */
const MAX_REMEMBERED = 10_000;

type ReadRow = Partial<LedgerRow> & Record<string, unknown>;
type WriteRow = PositionRow & { entry_id: number };
type Query = <R>(text: string, values: unknown[]) => Promise<R[]>;

/**
 * `TimescaleAdapter.applyFill`. The position arithmetic is `applyFillToPosition` of `@qts/contracts`, computed
 * here; the database makes it atomic and idempotent:
 * - one statement (`fillWrite`) moves the position by compare-and-set (only if it still is exactly the
 *   position the new one was computed from: version, qty, avgPrice, realizedPnl) and appends the ledger entry;
 *   the unique index on `fill_id` rejects a second booking of the same fill, aborting the whole statement;
 * - the position the next fill starts from is remembered per symbol, so an uncontended fill costs one round
 *   trip; otherwise (`fillRead`) the stored position and any entry already booked under the fillId are read
 *   in one statement first;
 * - fills of one symbol from this adapter are booked one after another (in process), so they never lose a
 *   compare-and-set to each other; against other processes, after two lost compare-and-sets the fill is
 *   booked in a transaction holding the position row lock (`SELECT ... FOR UPDATE`), so writers of one
 *   symbol serialise instead of retrying without end.
 */
export class FillBooker {
  readonly #db: PgRunner;
  readonly #sql: Statements;
  readonly #source: string;
  readonly #now: () => Date;
  readonly #known = new Map<string, Position>();
  /** Fills of one symbol from this adapter run one after another (other processes are handled by the CAS). */
  readonly #perSymbol = new KeyedSerializer();

  /** True while the adapter's outbox is on: a booked fill also writes its outbox row, in the same statement. */
  readonly #outbox: () => boolean;

  constructor(db: PgRunner, sql: Statements, source: string, now: () => Date, outbox: () => boolean) {
    this.#outbox = outbox;
    this.#db = db;
    this.#sql = sql;
    this.#source = source;
    this.#now = now;
  }

  async apply(input: Fill): Promise<FillResult> {
    const f = fill(input);
    this.#db.checkOpen();
    return this.#perSymbol.run(f.symbol, () => this.#book(f));
  }

  async #book(f: Fill): Promise<FillResult> {
    const query: Query = (text, values) => this.#db.query(`applyFill ${f.fillId}`, text, values);
    try {
      for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
        let prev: Position | null | undefined = attempt === 0 ? this.#known.get(f.symbol) : undefined;
        if (prev === undefined) {
          const read = await this.#read(query, f);
          if (read.booked) return read.booked;
          prev = read.position;
        }
        const booked = await this.#write(query, f, prev);
        if (booked) return booked;
      }
      return await this.#db.withClient(`applyFill ${f.fillId}`, (client) => this.#locked(client, f));
    } catch (error) {
      this.#known.delete(f.symbol);
      throw error;
    }
  }

  /** Forgets what this process remembers of a symbol (after a write that bypassed applyFill). */
  forget(symbol?: string): void {
    if (symbol === undefined) this.#known.clear();
    else this.#known.delete(symbol);
  }

  async #locked(client: pg.PoolClient, f: Fill): Promise<FillResult> {
    // A connection lost while checked out emits "error" on the client: without a listener it would crash the
    // process (the failed query rejects on its own and the runner discards the client).
    const ignore = () => undefined;
    client.on("error", ignore);
    try {
      return await this.#lockedAttempts(client, f);
    } finally {
      client.off("error", ignore);
    }
  }

  async #lockedAttempts(client: pg.PoolClient, f: Fill): Promise<FillResult> {
    const query: Query = async <R>(text: string, values: unknown[]) => {
      const name = this.#db.named(text);
      return (await client.query({ ...(name ? { name } : {}), text, values })).rows as R[];
    };
    for (let attempt = 0; attempt < LOCKED_ATTEMPTS; attempt++) {
      await client.query("BEGIN");
      try {
        await query(this.#sql.fillLock, [f.symbol]);
        const read = await this.#read(query, f);
        const booked = read.booked ?? (await this.#write(query, f, read.position));
        await client.query(booked ? "COMMIT" : "ROLLBACK");
        if (booked) return booked;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    }
    throw new DataSourceError(
      `${this.#source}: applyFill ${f.fillId}: position ${f.symbol} kept changing; gave up after ${LOCKED_ATTEMPTS} locked attempts`,
      { source: this.#source },
    );
  }

  /** The stored position of the fill's symbol and, when the fillId is booked, the duplicate result. */
  async #read(query: Query, f: Fill): Promise<{ position: Position | null; booked: FillResult | null }> {
    const [row] = await query<ReadRow>(this.#sql.fillRead, [f.symbol, f.fillId]);
    const position = row?.p_symbol == null ? null : toPosition(positionPart(row));
    if (position) this.#remember(position);
    if (row?.id == null) return { position, booked: null };
    const stored = toLedgerEntry(row as LedgerRow);
    return { position, booked: this.#duplicate(f, stored, position) };
  }

  #duplicate(f: Fill, stored: LedgerEntry, position: Position | null): FillResult {
    // The fill's own symbol has no position although its fill is booked: the store is damaged, not a conflict.
    if (position === null && fillConflicts(f, stored).length === 0) {
      throw new DataSourceError(
        `${this.#source}: fill ${f.fillId} is booked but position ${f.symbol} is missing`,
        {
          source: this.#source,
        },
      );
    }
    return bookedFillResult(f, stored, position, this.#source);
  }

  /** One statement: compare-and-set of the position + the ledger entry. Null when the position moved. */
  async #write(query: Query, f: Fill, prev: Position | null): Promise<FillResult | null> {
    const next = applyFillToPosition(prev, f, this.#now());
    const e = ledgerEntryFromFill(f);
    let rows: WriteRow[];
    const outbox = this.#outbox()
      ? [encodeOp({ kind: "fill", result: { position: next, entry: e } }).payload]
      : [];
    try {
      rows = await query<WriteRow>(outbox.length > 0 ? this.#sql.fillWriteOutbox : this.#sql.fillWrite, [
        next.symbol,
        next.qty.toFixed(),
        next.avgPrice.toFixed(),
        next.realizedPnl.toFixed(),
        next.version,
        next.updatedAt,
        prev !== null,
        prev?.version ?? 0,
        (prev?.qty ?? 0).toFixed(),
        (prev?.avgPrice ?? 0).toFixed(),
        (prev?.realizedPnl ?? 0).toFixed(),
        ...ledgerParams(e),
        ...outbox,
      ]);
    } catch (error) {
      if (!isFillIdTaken(error)) throw error;
      // Booked meanwhile by another writer (or by an attempt whose reply was lost): nothing was written.
      this.#known.delete(f.symbol);
      return null;
    }
    const [row] = rows;
    if (!row) {
      this.#known.delete(f.symbol);
      return null;
    }
    const position = toPosition(row);
    this.#remember(position);
    return Object.freeze({ position, entry: withLedgerId(e, row.entry_id), duplicate: false });
  }

  #remember(p: Position): void {
    if (this.#known.size >= MAX_REMEMBERED && !this.#known.has(p.symbol)) this.#known.clear();
    this.#known.set(p.symbol, p);
  }
}

const POSITION_NAMES = POSITION_COLUMNS.split(", ");

function positionPart(row: ReadRow): PositionRow {
  return Object.fromEntries(POSITION_NAMES.map((c) => [c, row[`p_${c}`]])) as unknown as PositionRow;
}

/** A unique violation of the fill_id index (SQLSTATE 23505), as the runner maps it (the pg error is `cause`). */
export function isFillIdTaken(error: unknown): boolean {
  const pgError = (error instanceof DataSourceError ? error.cause : error) as
    | { code?: string; constraint?: string }
    | undefined;
  return pgError?.code === "23505" && pgError.constraint === FILL_ID_INDEX;
}
