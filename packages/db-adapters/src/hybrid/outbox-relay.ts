import type { DataSourceAdapter, OutboxDelivery, OutboxRow, OutboxStore } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { decodeOp } from "../replication/outbox-codec.js";
import { ChannelBase, type ChannelOptions, type SecondaryChannel } from "./channel.js";
import { deliverPass, dueOf, laneOf, readyWrites } from "./lanes.js";
import { isPermanent, type QueuedOp, type SecondaryOp } from "./secondary-queue.js";

/** Outbox rows delivered per relay pass (one primary transaction). */
const RELAY_BATCH = 100;

/**
 * The secondary channel of a `HybridAdapter` whose primary keeps a transactional outbox: the primary writes
 * each secondary write as an outbox row in the same transaction as the write, so a crash loses nothing; this
 * relay delivers the rows (`relayOutbox`: one relay per store at a time, across processes) in passes of 100
 * through the same lanes as the in-memory pipeline (`deliverPass`: one symbol's writes in id order, lanes at
 * once) and deletes each once the secondary has it. Starting a relay delivers what an earlier process left.
 *
 * Delivery is idempotent, because a row may have reached the secondary before a crash prevented its deletion:
 * a fill is matched by its fillId, a ledger entry or tick by content (applied only while the secondary holds
 * fewer identical records than the primary), positions and bars are overwrites. A row the secondary can never
 * accept (`ValidationError`) is dropped and `needsRepair` set; any other failure keeps it (and every later
 * row of its lane) and retries with the shared `Backoff`.
 */
export class OutboxRelay extends ChannelBase implements SecondaryChannel {
  readonly #primary: DataSourceAdapter & OutboxStore;
  readonly #secondary: DataSourceAdapter;
  /** Last known outbox depth: measured after every pass (0 before the first), +1 per write of this process. */
  #depth = 0;
  /** Rows that failed and wait out their lane's retry: id → their attempts and retry time. */
  #retrying = new Map<string, Pick<QueuedOp, "attempts" | "failedAt" | "retryAfterMs">>();
  /** Rows the current pass delivered; -1 before its delivery ran. */
  #passDelivered = -1;
  /** The lanes the pass left waiting (null: none of them can be helped by a new write, see `#deliver`). */
  #passWaiting: Set<string> | null = new Set();

  constructor(
    primary: DataSourceAdapter & OutboxStore,
    secondary: DataSourceAdapter,
    options: ChannelOptions,
  ) {
    super(options);
    this.#primary = primary;
    this.#secondary = secondary;
  }

  /** Starts delivering (rows an earlier process left included); later calls nudge. Needs a migrated primary. */
  start(): void {
    this.kick();
  }

  get backlog(): number {
    return this.#depth;
  }

  enqueue(item: QueuedOp): void {
    this.#depth++;
    this.wakeFor(item.op);
    this.kick();
  }

  async discard(kinds: readonly SecondaryOp["kind"][]): Promise<void> {
    await this.#primary.discardOutbox(kinds);
    this.#depth = (await this.#primary.outboxStats()).depth;
  }

  /** The outbox may hold rows of another process: only a pass can tell. */
  protected knownEmpty(): boolean {
    return false;
  }

  protected pendingText(): string {
    return `${this.#depth} outbox row(s)`;
  }

  protected async pump(): Promise<void> {
    while (!this.stopped && !this.paused) {
      this.beginPass();
      this.#passDelivered = -1;
      try {
        const delivered = await this.#primary.relayOutbox(RELAY_BATCH, (rows) => this.#deliver(rows));
        this.#depth = (await this.#primary.outboxStats()).depth;
        if (delivered === null) {
          // Another process is relaying this outbox: look again later (it may stop, or crash).
          if (this.#depth === 0) return;
          await this.sleepForLanes(this.backoff.delayFor(1, this.draining > 0), null);
          continue;
        }
        if (this.#retrying.size === 0) this.delivered();
        if (this.#depth === 0) return;
        if (delivered === 0) await this.#sleepUntilDue(); // every lane of the pass waits out a retry
      } catch (error) {
        if (this.#passDelivered < 0) {
          await this.retryLater(error); // the primary (or the decoding) failed: the channel backs off
          continue;
        }
        // A delivery failed: its lane waits by its own attempts (recorded by #deliver), the others go on.
        this.noteFailure(error);
        if (this.#passDelivered === 0) await this.#sleepUntilDue();
      }
    }
  }

  /** Every lane of the pass waits out a retry: sleep until the first is due, or a write for another lane. */
  async #sleepUntilDue(): Promise<void> {
    const now = performance.now();
    // Every row left waiting (skipped or just failed) is in #retrying, with its due time.
    const due = Math.min(
      Number.POSITIVE_INFINITY,
      ...[...this.#retrying.values()].map((r) => dueOf(r, this.draining > 0)),
    );
    const ms = Number.isFinite(due) ? due - now : this.backoff.delayFor(1);
    await this.sleepForLanes(ms, this.#passWaiting);
  }

  /**
   * One pass of rows through the lanes of the in-memory pipeline (`deliverPass`). Every row is treated as a
   * retry: a crashed relay (this process's predecessor or another one) may have delivered it without deleting
   * it, so ledger and tick writes check what already landed. A row the secondary never accepts (or that does not
   * decode) is dropped, and `needsRepair` set.
   */
  async #deliver(rows: readonly OutboxRow[]): Promise<OutboxDelivery> {
    const ids = new Map<QueuedOp, string>();
    const delivered: string[] = [];
    for (const row of rows) {
      try {
        const retry = this.#retrying.get(row.id);
        ids.set({ op: decodeOp(row.kind, row.payload), attempts: 0, ...retry }, row.id);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        this.#reject(row, error);
        delivered.push(row.id);
      }
    }
    const now = performance.now();
    const { ready, waiting } = readyWrites([...ids.keys()], Number.POSITIVE_INFINITY, now, this.draining > 0);
    // A window full of waiting rows hides newer ones: then no new write can be delivered before one is due.
    this.#passWaiting = ready.length === 0 && rows.length >= RELAY_BATCH ? null : new Set(waiting);
    const outcome = await deliverPass(ready, this.#primary, this.#secondary, true);
    for (const { item, error } of outcome.rejected)
      this.#reject({ kind: item.op.kind, id: ids.get(item) }, error);
    this.scheduleRetries(outcome.retrying);
    for (const item of outcome.retrying) this.#passWaiting?.add(laneOf(item.op));
    // Rebuilt from this pass's rows: a row another relay delivered, or a repair discarded, is forgotten.
    const retrying = new Map<string, Pick<QueuedOp, "attempts" | "failedAt" | "retryAfterMs">>();
    for (const [item, id] of ids) {
      if (outcome.finished.has(item)) delivered.push(id);
      else if (item.failedAt !== undefined) {
        retrying.set(id, {
          attempts: item.attempts,
          failedAt: item.failedAt,
          retryAfterMs: item.retryAfterMs,
        });
      }
    }
    this.#retrying = retrying;
    this.#passDelivered = delivered.length;
    return { delivered, failure: outcome.retrying.length > 0 ? outcome.failure : undefined };
  }

  #reject(row: { readonly kind: string; readonly id: string | undefined }, error: unknown): void {
    const message = errorMessage(error);
    this.dropWrite(`secondary rejected a ${row.kind} write (outbox row ${row.id}): ${message}`);
  }
}
