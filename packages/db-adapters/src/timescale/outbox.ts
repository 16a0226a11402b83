import type { OutboxDelivery, OutboxRow, OutboxStats } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { encodeOp } from "../replication/outbox-codec.js";
import type { Ingest } from "./ingest.js";
import type { PgRunner } from "./runner.js";
import type { Statements } from "./sql.js";

interface RawRow {
  id: string;
  kind: string;
  payload: unknown;
  created_at: Date;
}

type Op = Parameters<typeof encodeOp>[0];

/**
 * The adapter's transactional outbox. Write side: while `enabled`, each single-statement write carries its
 * outbox row in the same statement (`wrap`), each bulk write inserts it in its transaction (`insertIn`).
 * Relay side: a relay pass runs in one transaction holding a transaction-level advisory lock (one relay per schema at a
 * time, across processes, PgBouncer-safe): it reads the oldest rows, hands them to the deliverer at once (the
 * Hybrid's `OutboxRelay` delivers them in its lanes) and deletes the ones delivered before it commits. A crash
 * between delivery and commit replays those rows: delivery must be idempotent.
 */
export class OutboxTable {
  readonly #db: PgRunner;
  readonly #sql: Statements;
  readonly #lockKey: string;

  /** Every write also records its outbox row. */
  enabled: boolean;

  constructor(db: PgRunner, sql: Statements, enabled: boolean) {
    this.#db = db;
    this.#sql = sql;
    this.#lockKey = `qts.outbox.${sql.schema}`;
    this.enabled = enabled;
  }

  /** The statement and its extra parameters (`$n` kind, `$n+1` payload) for a single-statement write. */
  wrap(text: string, n: number, op: Op): [string, unknown[]] {
    if (!this.enabled) return [text, []];
    const { kind, payload } = encodeOp(op);
    return [this.#sql.withOutbox(text, n), [kind, payload]];
  }

  /** Inside a bulk write's transaction: its outbox row. */
  async insertIn(x: Ingest, op: Op): Promise<void> {
    if (!this.enabled) return;
    const { kind, payload } = encodeOp(op);
    await x.client.query({
      text: this.#sql.outboxInsert,
      values: [kind, payload],
      query_timeout: x.timeoutMs,
    } as never);
  }

  /** `outboxDepth` and `outboxOldestAgeMs` for `healthCheck` (an `outboxError` instead of failing it). */
  async details(): Promise<Record<string, string | number>> {
    try {
      const o = await this.stats();
      return { outboxDepth: o.depth, outboxOldestAgeMs: Math.round(o.oldestAgeMs) };
    } catch (error) {
      return { outboxError: errorMessage(error) };
    }
  }

  async relay(
    limit: number,
    deliver: (rows: readonly OutboxRow[]) => Promise<OutboxDelivery>,
  ): Promise<number | null> {
    // A delivery failure (the secondary's error, typed as it was thrown) is rethrown after the acks commit.
    const pass = await this.#db.withClient("relayOutbox", async (client) => {
      const q = <R>(text: string, values: unknown[]) =>
        client.query({ text, values }).then((r) => r.rows as R[]);
      await client.query("BEGIN");
      let outcome: OutboxDelivery;
      try {
        const [lock] = await q<{ locked: boolean }>(this.#sql.outboxLock, [this.#lockKey]);
        if (!lock?.locked) {
          await client.query("ROLLBACK");
          return null;
        }
        const rows = (await q<RawRow>(this.#sql.outboxRead, [limit])).map((r) =>
          Object.freeze({ id: r.id, kind: r.kind, payload: r.payload, createdAt: r.created_at }),
        );
        outcome = await deliver(rows).catch((failure: unknown) => ({ delivered: [], failure }));
        if (outcome.delivered.length > 0) await q(this.#sql.outboxAck, [outcome.delivered]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      return outcome;
    });
    if (pass === null) return null;
    if (pass.failure !== undefined) throw pass.failure;
    return pass.delivered.length;
  }

  async discard(kinds: readonly string[]): Promise<number> {
    const rows = await this.#db.query<{ id: string }>(
      "discardOutbox",
      `${this.#sql.outboxDiscard} RETURNING id`,
      [kinds],
      false,
    );
    return rows.length;
  }

  async stats(): Promise<OutboxStats> {
    const [row] = await this.#db.query<{ depth: string; oldest_ms: number }>(
      "outboxStats",
      this.#sql.outboxStats,
      [],
    );
    return Object.freeze({ depth: Number(row?.depth ?? 0), oldestAgeMs: Math.max(0, row?.oldest_ms ?? 0) });
  }
}
