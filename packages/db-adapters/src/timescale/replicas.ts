import { redactDsn } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { isUnavailable } from "./errors.js";
import type { ResolvedTimescaleOptions } from "./options.js";
import { PgRunner } from "./runner.js";
import type { Statements } from "./sql.js";

/**
 * Replay lag of a standby in ms: 0 when it has replayed everything it received (an idle primary sends nothing,
 * so `now() - pg_last_xact_replay_timestamp()` alone would grow forever), else the age of the last replayed
 * transaction (NULL, unknown, when it has replayed none since it started).
 */
const LAG_SQL = `SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000
  END::float8 AS lag_ms`;

/** SQLSTATE 40001 on a standby: "canceling statement due to conflict with recovery" — the primary answers. */
const RECOVERY_CONFLICT = "40001";

interface Replica {
  readonly runner: PgRunner;
  /** The DSN, redacted. */
  readonly label: string;
  usable: boolean;
  lagMs: number | null;
  error: string;
  reads: number;
}

/** Anything that runs one read statement: the primary's runner, or a set of replicas in front of it. */
export interface ReadRunner {
  query<R>(what: string, text: string, values: unknown[]): Promise<R[]>;
}

/**
 * Streaming read replicas for history reads. Each replica's reachability and replay lag are measured every
 * `replicaCheckIntervalMs` (an unref'd timer, started by the first read); a replica is used only while its last
 * check succeeded with a lag of at most `maxReplicaLagMs`. Reads go round-robin to usable replicas; a read that
 * fails there as unavailable (or is cancelled by a recovery conflict) marks the replica down and runs on the
 * primary, so a replica going away never fails a call.
 */
export class ReplicaSet implements ReadRunner {
  readonly #primary: PgRunner;
  readonly #replicas: Replica[];
  readonly #maxLagMs: number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #checking: Promise<void> | null = null;
  #next = 0;
  #closed = false;

  constructor(o: ResolvedTimescaleOptions, sql: Statements, primary: PgRunner) {
    this.#primary = primary;
    this.#maxLagMs = o.maxReplicaLagMs;
    this.#intervalMs = o.replicaCheckIntervalMs;
    this.#replicas = o.readDsns.map((dsn, i) => ({
      runner: new PgRunner(
        {
          ...o,
          dsn,
          name: `${o.name}-replica${i}`,
          pool: { ...o.pool, minConnections: 0, maxConnections: Math.min(o.pool.maxConnections, 10) },
        },
        sql,
      ),
      label: redactDsn(dsn),
      usable: false,
      lagMs: null,
      error: "not checked yet",
      reads: 0,
    }));
  }

  /** Starts the periodic checks (idempotent); resolves after the first one. */
  start(): Promise<void> {
    if (this.#timer === null && !this.#closed) {
      this.#timer = setInterval(() => void this.check(), this.#intervalMs);
      this.#timer.unref();
    }
    return this.check();
  }

  /** Measures every replica once (a check already running is joined, not repeated). */
  check(): Promise<void> {
    this.#checking ??= Promise.all(this.#replicas.map((r) => this.#checkOne(r))).then(
      () => {
        this.#checking = null;
      },
      () => {
        this.#checking = null;
      },
    );
    return this.#checking;
  }

  async #checkOne(r: Replica): Promise<void> {
    try {
      const rows = await r.runner.query<{ lag_ms: number | null }>("replica lag", LAG_SQL, [], false);
      const lag = rows[0]?.lag_ms ?? null;
      r.lagMs = lag === null ? null : Math.max(0, Math.round(lag));
      r.usable = r.lagMs !== null && r.lagMs <= this.#maxLagMs;
      r.error = r.usable
        ? ""
        : r.lagMs === null
          ? "replay position unknown"
          : `lag ${r.lagMs} ms > ${this.#maxLagMs} ms`;
    } catch (error) {
      r.usable = false;
      r.lagMs = null;
      r.error = errorMessage(error);
    }
  }

  #pick(): Replica | null {
    if (this.#timer === null) void this.start();
    const n = this.#replicas.length;
    for (let i = 0; i < n; i++) {
      const r = this.#replicas[(this.#next + i) % n]!;
      if (r.usable) {
        this.#next = (this.#next + i + 1) % n;
        return r;
      }
    }
    return null;
  }

  async query<R>(what: string, text: string, values: unknown[]): Promise<R[]> {
    this.#primary.checkOpen();
    const replica = this.#pick();
    if (replica !== null) {
      try {
        const rows = await replica.runner.query<R>(what, text, values);
        replica.reads += 1;
        return rows;
      } catch (error) {
        const code = (error as { cause?: { code?: unknown } }).cause?.code;
        if (!isUnavailable(error) && code !== RECOVERY_CONFLICT) throw error;
        replica.usable = false;
        replica.error = errorMessage(error);
      }
    }
    return this.#primary.query<R>(what, text, values);
  }

  /** Flat health details: per replica its DSN (redacted), whether it is used, its lag and reads served. */
  details(): Record<string, string | number | boolean> {
    const out: Record<string, string | number | boolean> = { replicas: this.#replicas.length };
    this.#replicas.forEach((r, i) => {
      out[`replica${i}`] = r.label;
      out[`replica${i}Usable`] = r.usable;
      out[`replica${i}LagMs`] = r.lagMs ?? -1;
      out[`replica${i}Reads`] = r.reads;
      if (r.error) out[`replica${i}Error`] = r.error;
    });
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.all(this.#replicas.map((r) => r.runner.close()));
  }
}
