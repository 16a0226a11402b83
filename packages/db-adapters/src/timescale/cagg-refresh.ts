import { createEvent, type EventSink, EventType, INTERVAL_MS, type OHLCV, Priority } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { touchedRanges } from "./ingest.js";
import type { PgRunner } from "./runner.js";
import { caggName, ROLLUP_INTERVALS, type Statements } from "./sql.js";

type WatermarkSchema = "_timescaledb_functions" | "_timescaledb_internal";

/**
 * TimescaleDB: continuous aggregates answer in real time above their watermark; below it (a backfill) the
 * touched buckets are refreshed right after the write commits, so reads never see stale materialised rows.
 * `CALL refresh_continuous_aggregate` cannot run in a transaction, so it runs under the connection's own
 * server-side limit with the bulk client-side limit; no session setting is changed (PgBouncer-safe).
 *
 * A refresh that fails does not reject the write (it is committed): the range is kept, a
 * `DATA_SOURCE_DEGRADED` event is published (`reason: "continuous aggregate refresh failed"`), and the range is
 * refreshed again on the next 1m bar write and on every `healthCheck` until it succeeds (then a `recovered`
 * event). The watermark function is looked up where this TimescaleDB has it (`_timescaledb_functions` since
 * 2.12, `_timescaledb_internal` before); without one every aggregate is refreshed over the range.
 */
export class CaggRefresher {
  readonly #db: PgRunner;
  readonly #sql: Statements;
  readonly #source: string;
  readonly #events: EventSink | undefined;
  #watermarkSchema: WatermarkSchema | null | undefined;
  /** The time span (ms, inclusive) still to refresh after a failure. */
  #pending: { min: number; max: number } | null = null;
  #lastError = "";
  #failures = 0;

  constructor(db: PgRunner, sql: Statements, source: string, events: EventSink | undefined) {
    this.#db = db;
    this.#sql = sql;
    this.#source = source;
    this.#events = events;
  }

  /** Refresh failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** After 1m bars committed: refreshes what they touched below the watermark (and any pending range). */
  async after(bars: readonly OHLCV[]): Promise<void> {
    const { lo, hi } = touchedRanges(bars);
    let min = Math.min(...lo.map((d) => d.getTime()));
    let max = Math.max(...hi.map((d) => d.getTime()));
    if (this.#pending) {
      min = Math.min(min, this.#pending.min);
      max = Math.max(max, this.#pending.max);
    }
    await this.#attempt(min, max);
  }

  /** Refreshes a range left by a failed refresh, if any. Never rejects. */
  async retry(): Promise<void> {
    if (this.#pending) await this.#attempt(this.#pending.min, this.#pending.max);
  }

  details(): Record<string, string | number | boolean> {
    if (!this.#pending) return {};
    return {
      caggRefreshPending: true,
      caggRefreshFailures: this.#failures,
      caggRefreshError: this.#lastError,
    };
  }

  async #attempt(min: number, max: number): Promise<void> {
    try {
      await this.#refresh(min, max);
    } catch (error) {
      this.#pending = { min, max };
      this.#failures++;
      this.#lastError = errorMessage(error);
      this.#publish("continuous aggregate refresh failed", min, max);
      return;
    }
    if (this.#pending) {
      this.#pending = null;
      this.#failures = 0;
      this.#lastError = "";
      this.#publish("recovered", min, max);
    }
  }

  async #refresh(min: number, max: number): Promise<void> {
    const what = "appendOhlcv (refresh continuous aggregates)";
    const schema = this.#sql.schema.slice(1, -1);
    if (this.#watermarkSchema === undefined) {
      const [row] = await this.#db.query<{ schema: WatermarkSchema }>(
        what,
        this.#sql.caggWatermarkSchema,
        [],
      );
      this.#watermarkSchema = row?.schema ?? null;
    }
    let stale: readonly (typeof ROLLUP_INTERVALS)[number][] = ROLLUP_INTERVALS;
    if (this.#watermarkSchema !== null) {
      const marks = await this.#db.query<{ view: string; watermark: Date | null }>(
        what,
        this.#sql.caggWatermarks(this.#watermarkSchema),
        [schema],
      );
      const watermark = new Map(
        marks.map((m) => [m.view, m.watermark?.getTime() ?? Number.NEGATIVE_INFINITY]),
      );
      stale = ROLLUP_INTERVALS.filter(
        (iv) => min < (watermark.get(caggName(iv)) ?? Number.NEGATIVE_INFINITY),
      );
    }
    if (stale.length === 0) return;
    await this.#db.withBulkClient(what, async (q) => {
      for (const iv of stale) {
        const size = INTERVAL_MS[iv];
        const from = new Date(Math.floor(min / size) * size);
        const to = new Date(Math.floor(max / size) * size + size);
        await q(this.#sql.refreshCagg, [`${this.#sql.schema}."${caggName(iv)}"`, from, to]);
      }
    });
  }

  #publish(reason: string, min: number, max: number): void {
    if (!this.#events) return;
    try {
      this.#events.publish(
        createEvent(
          EventType.DATA_SOURCE_DEGRADED,
          reason === "recovered" ? Priority.P2_MEDIUM : Priority.P1_HIGH,
          this.#source,
          {
            degraded: reason !== "recovered",
            reason,
            from: new Date(min).toISOString(),
            to: new Date(max).toISOString(),
            failures: this.#failures,
            error: this.#lastError,
          },
        ),
      );
    } catch {
      // A sink must not break writes.
    }
  }
}
