import { INTERVAL_MS, type Interval } from "@qts/contracts";

/** Intervals kept as rollups of 1m bars (tables on plain PostgreSQL, continuous aggregates on TimescaleDB). */
export const ROLLUP_INTERVALS = ["5m", "15m", "30m", "1h", "4h", "1d"] as const satisfies readonly Interval[];
export type RollupInterval = (typeof ROLLUP_INTERVALS)[number];

/** `date_bin` origin that aligns every interval here to the UTC epoch (same buckets as `time_bucket`). */
export const ORIGIN = "TIMESTAMPTZ '2000-01-01 00:00:00+00'";

/** An interval as PostgreSQL interval text, e.g. "300 seconds". */
export function pgInterval(interval: Interval): string {
  return `${INTERVAL_MS[interval] / 1000} seconds`;
}

/** Name of the continuous aggregate of `interval` (TimescaleDB path). */
export function caggName(interval: RollupInterval): string {
  return `bars_${interval}`;
}

export const POSITION_COLUMNS =
  "symbol, qty, avg_price, market, exposure_value, exposure_pct, unrealized_pnl, updated_at, realized_pnl, version";
/** The columns a ledger insert writes, in the order of `ledgerParams` (rows.ts). */
export const LEDGER_INSERT_COLUMNS =
  "ts, symbol, side, qty, price, amount, fee, strategy_tag, order_id, broker, fill_id";
export const LEDGER_COLUMNS = `id, ${LEDGER_INSERT_COLUMNS}`;
/** Name of the unique index on `ledger.fill_id` (a violation of it means "this fillId is booked"). */
export const FILL_ID_INDEX = "ledger_fill_id_key";
export const TICK_COLUMNS = "time, symbol, price, volume, bid, ask, source";
export const BAR_COLUMNS = "symbol, bar_interval, time, open, high, low, close, volume";

/** Every statement text of one schema. Values always travel as parameters; only the schema is spliced in. */
export function statements(schema: string) {
  const s = `"${schema}"`;
  const barSet =
    "open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume";
  const barsOut = "time, symbol, open, high, low, close, volume";
  const aggregate = (from: string) => `SELECT date_bin($5::interval, time, ${ORIGIN}) AS time, symbol,
      (array_agg(open ORDER BY time))[1] AS open, max(high) AS high, min(low) AS low,
      (array_agg(close ORDER BY time DESC))[1] AS close, sum(volume) AS volume
    FROM ${from} WHERE symbol = $1 AND bar_interval = $2 AND time >= $3 AND time < $4
    GROUP BY 1, 2 ORDER BY 1`;
  const st = {
    schema: s,
    fetchPositions: `SELECT ${POSITION_COLUMNS} FROM ${s}.positions ORDER BY symbol COLLATE "C"`,
    fetchPosition: `SELECT ${POSITION_COLUMNS} FROM ${s}.positions WHERE symbol = $1`,
    updatePosition: `INSERT INTO ${s}.positions (symbol, qty, avg_price, updated_at, version) VALUES ($1, $2, $3, $4, 1)
      ON CONFLICT (symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price, updated_at = EXCLUDED.updated_at,
        version = positions.version + 1`,
    putPosition: `INSERT INTO ${s}.positions (${POSITION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      ON CONFLICT (symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price, market = EXCLUDED.market,
        exposure_value = EXCLUDED.exposure_value, exposure_pct = EXCLUDED.exposure_pct,
        unrealized_pnl = EXCLUDED.unrealized_pnl, updated_at = EXCLUDED.updated_at,
        realized_pnl = EXCLUDED.realized_pnl, version = EXCLUDED.version`,
    appendLedger: `INSERT INTO ${s}.ledger (${LEDGER_INSERT_COLUMNS})
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    /** applyFill, read: the position of `$1` (p_* columns, all NULL when none) and the entry booked as `$2`. */
    fillRead: `SELECT ${POSITION_COLUMNS.split(", ")
      .map((c) => `p.${c} AS p_${c}`)
      .join(", ")}, ${LEDGER_COLUMNS.split(", ")
      .map((c) => `l.${c}`)
      .join(", ")}
      FROM (SELECT 1) AS one LEFT JOIN ${s}.positions p ON p.symbol = $1 LEFT JOIN ${s}.ledger l ON l.fill_id = $2`,
    /** applyFill, locked path: holds the position row (when there is one) until the transaction ends. */
    fillLock: `SELECT symbol FROM ${s}.positions WHERE symbol = $1 FOR UPDATE`,
    /**
     * applyFill, write: moves the position to `$2..$6` only if it still is exactly what the new one was
     * computed from (`$7` = it existed; version, qty, avgPrice and realizedPnl `$8..$11`), and in the same
     * statement appends the ledger entry (`$12..$22`, as `ledgerParams`). Nothing returned = the position moved
     * meanwhile and nothing was written; a unique violation of the fill_id index = the fill is booked (nothing
     * written).
     */
    fillWrite: `WITH pos AS (
        INSERT INTO ${s}.positions (symbol, qty, avg_price, realized_pnl, version, updated_at)
        VALUES ($1, $2::numeric, $3::numeric, $4::numeric, $5::int8, $6::timestamptz)
        ON CONFLICT (symbol) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price,
          realized_pnl = EXCLUDED.realized_pnl, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
        WHERE $7::boolean AND positions.version = $8::int8 AND positions.qty = $9::numeric
          AND positions.avg_price = $10::numeric AND positions.realized_pnl = $11::numeric
        RETURNING ${POSITION_COLUMNS}
      ), entry AS (
        INSERT INTO ${s}.ledger (${LEDGER_INSERT_COLUMNS})
        SELECT $12::timestamptz, $13::text, $14::text, $15::numeric, $16::numeric, $17::numeric, $18::numeric,
          $19::text, $20::text, $21::text, $22::text FROM pos
        RETURNING id
      ) SELECT entry.id AS entry_id, pos.* FROM entry, pos`,

    fetchLedger: `SELECT ${LEDGER_COLUMNS} FROM ${s}.ledger WHERE ts >= $1 AND ts < $2 ORDER BY ts DESC, id DESC LIMIT $3`,
    fetchLedgerBySymbol: `SELECT ${LEDGER_COLUMNS} FROM ${s}.ledger WHERE symbol = $4 AND ts >= $1 AND ts < $2
      ORDER BY ts DESC, id DESC LIMIT $3`,
    fetchTicks: `SELECT ${TICK_COLUMNS} FROM ${s}.ticks WHERE symbol = $1 AND time >= $2 AND time < $3 ORDER BY time`,
    insertTicks: `INSERT INTO ${s}.ticks (${TICK_COLUMNS})
      SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::numeric[], $4::int8[], $5::numeric[], $6::numeric[], $7::text[])`,
    fetchBars: `SELECT ${barsOut} FROM ${s}.bars WHERE symbol = $1 AND bar_interval = $2 AND time >= $3 AND time < $4 ORDER BY time`,
    fetchRollup: `SELECT ${barsOut} FROM ${s}.bar_rollups
      WHERE symbol = $1 AND bar_interval = $2 AND time >= $3 AND time < $4 ORDER BY time`,
    fetchCagg: (interval: RollupInterval) =>
      `SELECT bucket AS time, symbol, open, high, low, close, volume FROM ${s}."${caggName(interval)}"
        WHERE symbol = $1 AND bucket >= $2 AND bucket < $3 ORDER BY bucket`,
    aggregateBars: aggregate(`${s}.bars`),
    upsertBars: `INSERT INTO ${s}.bars (${BAR_COLUMNS})
      SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::int8[])
      ON CONFLICT (symbol, bar_interval, time) DO UPDATE SET ${barSet}`,
    createBarStage: `CREATE TEMP TABLE qts_bar_stage (LIKE ${s}.bars INCLUDING DEFAULTS) ON COMMIT DROP`,
    copyBarStage: `COPY qts_bar_stage (${BAR_COLUMNS}) FROM STDIN`,
    mergeBarStage: `INSERT INTO ${s}.bars (${BAR_COLUMNS}) SELECT ${BAR_COLUMNS} FROM qts_bar_stage
      ON CONFLICT (symbol, bar_interval, time) DO UPDATE SET ${barSet}`,
    copyTicks: `COPY ${s}.ticks (${TICK_COLUMNS}) FROM STDIN`,
    /**
     * Recomputes the rollup buckets of `$1` (stride `$2`) from the finer level `$3` (1m bars or the finer
     * rollup) for each (symbol, lo, hi) touched range given as arrays `$4..$6`.
     */
    refreshRollup: (fromRollups: boolean) => `INSERT INTO ${s}.bar_rollups (${BAR_COLUMNS})
      SELECT b.symbol, $1::text, date_bin($2::interval, b.time, ${ORIGIN}) AS bucket,
        (array_agg(b.open ORDER BY b.time))[1], max(b.high), min(b.low),
        (array_agg(b.close ORDER BY b.time DESC))[1], sum(b.volume)
      FROM unnest($4::text[], $5::timestamptz[], $6::timestamptz[]) AS r(symbol, lo, hi)
      JOIN ${fromRollups ? `${s}.bar_rollups` : `${s}.bars`} b ON b.symbol = r.symbol AND b.bar_interval = $3
        AND b.time >= date_bin($2::interval, r.lo, ${ORIGIN}) AND b.time < date_bin($2::interval, r.hi, ${ORIGIN}) + $2::interval
      GROUP BY b.symbol, bucket
      ON CONFLICT (symbol, bar_interval, time) DO UPDATE SET ${barSet}`,
    /** The schema of TimescaleDB's `cagg_watermark` (2.12 moved it to `_timescaledb_functions`); none: null. */
    caggWatermarkSchema: `SELECT n.nspname AS schema FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.proname = 'cagg_watermark' AND n.nspname IN ('_timescaledb_functions', '_timescaledb_internal')
      ORDER BY n.nspname = '_timescaledb_functions' DESC LIMIT 1`,
    caggWatermarks: (
      fn: "_timescaledb_functions" | "_timescaledb_internal",
    ) => `SELECT ca.user_view_name AS view,
        ${fn}.to_timestamp(${fn}.cagg_watermark(ca.mat_hypertable_id)) AS watermark
      FROM _timescaledb_catalog.continuous_agg ca WHERE ca.user_view_schema = $1`,
    refreshCagg: "CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)",
    storage: `SELECT value FROM ${s}.qts_meta WHERE key = 'storage'`,
    /**
     * Outbox: the write `text` and its outbox row (`$n` kind, `$n+1` payload) in one statement. The row is
     * inserted from the write's RETURNING, so its id is drawn after the write took its row lock: for writes of
     * one row (a position) outbox ids follow commit order, which the relay's id order relies on.
     */
    withOutbox: (text: string, n: number) =>
      `WITH qts_write AS (${text.replace(/\s+RETURNING\s+[\w, ]+$/, "")} RETURNING 1)
      INSERT INTO ${s}.outbox (kind, payload) SELECT $${n}::text, $${n + 1}::jsonb FROM qts_write`,
    outboxInsert: `INSERT INTO ${s}.outbox (kind, payload) VALUES ($1::text, $2::jsonb)`,
    /** One relay at a time per schema: a transaction-level advisory lock (works behind PgBouncer). */
    outboxLock: "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked",
    outboxRead: `SELECT o.id::text AS id, o.kind, o.payload, o.created_at FROM ${s}.outbox o ORDER BY o.id LIMIT $1`,
    outboxAck: `DELETE FROM ${s}.outbox WHERE id = ANY($1::int8[])`,
    outboxDiscard: `DELETE FROM ${s}.outbox WHERE kind = ANY($1::text[])`,
    outboxStats: `SELECT count(*)::int8::text AS depth,
        COALESCE(extract(epoch FROM clock_timestamp() - min(created_at)) * 1000, 0)::float8 AS oldest_ms
      FROM ${s}.outbox`,
    /** Distinct symbols per table; ledger, bars and ticks by a loose index scan (one index probe per symbol). */
    listSymbols: `WITH RECURSIVE ${["ledger", "bars", "ticks"]
      .map(
        (t) => `${t}_symbols AS ((SELECT symbol FROM ${s}.${t} ORDER BY symbol LIMIT 1) UNION ALL
        SELECT (SELECT x.symbol FROM ${s}.${t} x WHERE x.symbol > p.symbol ORDER BY x.symbol LIMIT 1)
        FROM ${t}_symbols p WHERE p.symbol IS NOT NULL)`,
      )
      .join(",\n")}
      SELECT 'positions' AS kind, symbol FROM ${s}.positions
      UNION ALL SELECT 'ledger', symbol FROM ledger_symbols WHERE symbol IS NOT NULL
      UNION ALL SELECT 'bars', symbol FROM bars_symbols WHERE symbol IS NOT NULL
      UNION ALL SELECT 'ticks', symbol FROM ticks_symbols WHERE symbol IS NOT NULL`,
  };
  return {
    ...st,
    /** `fillWrite` that also records the booked fill (`$23` payload) in the outbox when the entry was written. */
    fillWriteOutbox: st.fillWrite.replace(
      ") SELECT entry.id AS entry_id",
      `), qts_outbox AS (INSERT INTO ${s}.outbox (kind, payload) SELECT 'fill', $23::jsonb FROM entry) SELECT entry.id AS entry_id`,
    ),
  };
}

export type Statements = ReturnType<typeof statements>;
