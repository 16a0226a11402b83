import {
  type DataSourceAdapter,
  DataSourceUnavailableError,
  type OutboxRow,
  type OutboxStore,
} from "@qts/contracts";
import { ledgerKey } from "../replication/content.js";
import { decodeOp } from "../replication/outbox-codec.js";
import { Backoff } from "./backoff.js";
import type { ChannelOptions, PipelineEvent, SecondaryChannel } from "./channel.js";
import { applyOp, isPermanent, type SecondaryOp } from "./secondary-queue.js";

/** Outbox rows delivered per relay pass (one primary transaction). */
const RELAY_BATCH = 100;

/**
 * The secondary channel of a `HybridAdapter` whose primary keeps a transactional outbox: the primary writes
 * each secondary write as an outbox row in the same transaction as the write, so a crash loses nothing; this
 * relay delivers the rows in id order (`relayOutbox`: one relay per store at a time, across processes) and
 * deletes each once the secondary has it. Starting a relay delivers what an earlier process left.
 *
 * Delivery is idempotent, because a row may have reached the secondary before a crash prevented its deletion:
 * a fill is matched by its fillId, a ledger entry or tick by content (applied only while the secondary holds
 * fewer identical records than the primary), positions and bars are overwrites. A row the secondary can never
 * accept (`ValidationError`) is dropped and `needsRepair` set; any other failure keeps it (and every later
 * row) and retries with the shared `Backoff`.
 */
export class OutboxRelay implements SecondaryChannel {
  readonly #primary: DataSourceAdapter & OutboxStore;
  readonly #secondary: DataSourceAdapter;
  readonly #options: ChannelOptions;
  readonly #backoff: Backoff;
  /** Last known outbox depth: measured after every pass (0 before the first), +1 per write of this process. */
  #depth = 0;
  #pumping: Promise<void> | null = null;
  #failures = 0;
  #lastError = "";
  #degraded = false;
  #dropped = 0;
  #needsRepair = false;
  #stopped = false;
  #paused = false;
  #draining = 0;
  #emptyWaiters: (() => void)[] = [];

  constructor(
    primary: DataSourceAdapter & OutboxStore,
    secondary: DataSourceAdapter,
    options: ChannelOptions,
  ) {
    this.#primary = primary;
    this.#secondary = secondary;
    this.#options = options;
    this.#backoff = new Backoff(options.baseDelayMs, options.maxDelayMs);
  }

  /** Starts delivering (rows an earlier process left included); later calls nudge. Needs a migrated primary. */
  start(): void {
    this.#kick();
  }

  get backlog(): number {
    return this.#depth;
  }
  get needsRepair(): boolean {
    return this.#needsRepair;
  }
  get dropped(): number {
    return this.#dropped;
  }
  get lastError(): string {
    return this.#lastError;
  }
  get degraded(): boolean {
    return this.#needsRepair || (this.#depth > 0 && this.#failures > 0);
  }

  enqueue(): void {
    this.#depth++;
    this.#kick();
  }

  async drain(timeoutMs: number, source: string): Promise<void> {
    this.#draining++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const empty = new Promise<void>((resolve) => this.#emptyWaiters.push(resolve));
      this.#backoff.wake();
      this.#kick();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = this.#lastError ? ` (${this.#lastError})` : "";
          const message = `${source}: ${this.#depth} outbox row(s) still pending after ${timeoutMs} ms${why}`;
          reject(new DataSourceUnavailableError(message, { source }));
        }, timeoutMs);
      });
      await Promise.race([empty, timeout]);
    } finally {
      clearTimeout(timer);
      this.#draining--;
    }
  }

  async pause(): Promise<void> {
    this.#paused = true;
    this.#backoff.wake();
    await this.#pumping;
  }

  resume(): void {
    this.#paused = false;
    this.#kick();
  }

  async discard(kinds: readonly SecondaryOp["kind"][]): Promise<void> {
    await this.#primary.discardOutbox(kinds);
    this.#depth = (await this.#primary.outboxStats()).depth;
  }

  markRepaired(): void {
    this.#needsRepair = false;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#backoff.wake();
    await this.#pumping;
  }

  #kick(): void {
    if (this.#pumping || this.#stopped || this.#paused) return;
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = null;
      if (this.#depth === 0) this.#notifyEmpty();
      else if (!this.#stopped && !this.#paused) this.#kick();
    });
  }

  async #pump(): Promise<void> {
    while (!this.#stopped && !this.#paused) {
      try {
        const delivered = await this.#primary.relayOutbox(RELAY_BATCH, (row) => this.#deliver(row), {
          keyOf: laneOf,
        });
        this.#depth = (await this.#primary.outboxStats()).depth;
        if (delivered === null) {
          // Another process is relaying this outbox: look again later (it may stop, or crash).
          if (this.#depth > 0) await this.#backoff.wait(1, this.#draining > 0);
          continue;
        }
        if (this.#failures > 0) {
          this.#failures = 0;
          this.#lastError = "";
        }
        if (this.#depth === 0) return;
      } catch (error) {
        this.#failures++;
        this.#lastError = error instanceof Error ? error.message : String(error);
        if (!this.#degraded) this.#event("secondary write failed");
        await this.#backoff.wait(this.#failures, this.#draining > 0);
      }
    }
  }

  async #deliver(row: OutboxRow): Promise<void> {
    try {
      const op = decodeOp(row.kind, row.payload);
      // Always check what already landed: a crashed relay (this process's predecessor or another one) may
      // have delivered the row without deleting it.
      await applyOp(op, this.#primary, this.#secondary, true);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      this.#dropped++;
      this.#needsRepair = true;
      this.#lastError = `secondary rejected a ${row.kind} write (outbox row ${row.id}): ${
        error instanceof Error ? error.message : String(error)
      }`;
    }
  }

  #notifyEmpty(): void {
    for (const w of this.#emptyWaiters.splice(0)) w();
    if (this.#degraded && !this.#needsRepair) this.#event("recovered");
  }

  #event(event: PipelineEvent): void {
    this.#degraded = event !== "recovered";
    try {
      this.#options.onEvent(event);
    } catch {
      // A listener must not break writes.
    }
  }
}

/**
 * Which rows must reach the secondary in order: one symbol's position and fill writes (overwrites: the last
 * wins); all bar writes (upserts); all tick writes; identical ledger entries. Other appends go at once. Different lanes are delivered at once, so a secondary that batches
 * (Sheets: one request per tab per flush) gets a whole pass in a few requests.
 */
function laneOf(row: OutboxRow): string {
  const op = decodeOp(row.kind, row.payload);
  switch (op.kind) {
    case "position":
      return `symbol:${op.symbol}`;
    case "putPosition":
      return `symbol:${op.position.symbol}`;
    case "ledger":
      // Appends need no order among themselves, but identical entries do: each one checks how many of its
      // kind already landed (a multiset), which two copies checking at once would both get wrong.
      return `ledger:${ledgerKey(op.entry)}`;
    case "fill": {
      // A relayed fill carries the primary's booked result (entry + position), not the fill itself.
      const p = (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as {
        entry?: { symbol?: string };
      };
      return `symbol:${op.fill?.symbol ?? p.entry?.symbol ?? ""}`;
    }
    case "ohlcv":
      return "bars";
    case "ticks":
      return "ticks";
  }
}
