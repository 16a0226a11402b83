import { caggName, FILL_ID_INDEX, pgInterval, ROLLUP_INTERVALS } from "./sql.js";

/** What a migration may depend on. */
export interface MigrationContext {
  /** Quoted schema name, e.g. `"qts"`. */
  readonly s: string;
  /** Unquoted schema name. */
  readonly schema: string;
  /** True when the `timescaledb` extension is in use. */
  readonly timescale: boolean;
  readonly compressAfter: string;
  readonly tickRetention: string | null;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Runs inside the migration's transaction. */
  up(client: SqlRunner, ctx: MigrationContext): Promise<void>;
}

/** Runs one statement (with the migration's generous timeout). */
export type SqlRunner = (sql: string, values?: unknown[]) => Promise<unknown>;

async function exec(run: SqlRunner, sql: string, values: unknown[] = []): Promise<void> {
  await run(sql, values);
}

const core: Migration = {
  version: 1,
  name: "core tables: positions, ledger, ticks, bars, bar_rollups",
  async up(client, { s }) {
    await exec(
      client,
      `CREATE TABLE ${s}.positions (
        symbol text COLLATE "C" PRIMARY KEY,
        qty numeric NOT NULL,
        avg_price numeric NOT NULL CHECK (avg_price >= 0),
        market text NOT NULL DEFAULT '',
        exposure_value numeric NOT NULL DEFAULT 0,
        exposure_pct numeric NOT NULL DEFAULT 0,
        unrealized_pnl numeric NOT NULL DEFAULT 0,
        updated_at timestamptz
      )`,
    );
    await exec(
      client,
      `CREATE TABLE ${s}.ledger (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ts timestamptz NOT NULL,
        symbol text COLLATE "C" NOT NULL,
        side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
        qty numeric NOT NULL CHECK (qty > 0),
        price numeric NOT NULL CHECK (price >= 0),
        amount numeric NOT NULL CHECK (amount >= 0),
        fee numeric NOT NULL DEFAULT 0 CHECK (fee >= 0),
        strategy_tag text NOT NULL DEFAULT '',
        order_id text NOT NULL DEFAULT '',
        broker text NOT NULL DEFAULT ''
      )`,
    );
    await exec(client, `CREATE INDEX ledger_ts_idx ON ${s}.ledger (ts DESC, id DESC)`);
    await exec(client, `CREATE INDEX ledger_symbol_ts_idx ON ${s}.ledger (symbol, ts DESC, id DESC)`);
    await exec(
      client,
      `CREATE TABLE ${s}.ticks (
        time timestamptz NOT NULL,
        symbol text COLLATE "C" NOT NULL,
        price numeric NOT NULL CHECK (price >= 0),
        volume bigint NOT NULL CHECK (volume >= 0),
        bid numeric CHECK (bid >= 0),
        ask numeric CHECK (ask >= 0),
        source text NOT NULL DEFAULT ''
      )`,
    );
    await exec(client, `CREATE INDEX ticks_symbol_time_idx ON ${s}.ticks (symbol, time)`);
    for (const table of ["bars", "bar_rollups"]) {
      await exec(
        client,
        `CREATE TABLE ${s}.${table} (
          symbol text COLLATE "C" NOT NULL,
          bar_interval text NOT NULL CHECK (bar_interval IN ('1m', '5m', '15m', '30m', '1h', '4h', '1d')),
          time timestamptz NOT NULL,
          open numeric NOT NULL,
          high numeric NOT NULL,
          low numeric NOT NULL,
          close numeric NOT NULL,
          volume bigint NOT NULL CHECK (volume >= 0),
          PRIMARY KEY (symbol, bar_interval, time)
        )`,
      );
    }
    await exec(client, `CREATE TABLE ${s}.qts_meta (key text PRIMARY KEY, value text NOT NULL)`);
  },
};

const storage: Migration = {
  version: 2,
  name: "storage path: TimescaleDB hypertables, compression, continuous aggregates (or plain tables)",
  async up(client, ctx) {
    const { s, timescale } = ctx;
    await exec(client, `INSERT INTO ${s}.qts_meta (key, value) VALUES ('storage', $1)`, [
      timescale ? "timescaledb" : "plain",
    ]);
    if (!timescale) return;
    await exec(
      client,
      "SELECT create_hypertable($1::regclass, 'time', chunk_time_interval => INTERVAL '1 day', if_not_exists => true)",
      [`${s}.ticks`],
    );
    await exec(
      client,
      "SELECT create_hypertable($1::regclass, 'time', chunk_time_interval => INTERVAL '7 days', if_not_exists => true)",
      [`${s}.bars`],
    );
    await exec(
      client,
      `ALTER TABLE ${s}.ticks SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol',
        timescaledb.compress_orderby = 'time')`,
    );
    await exec(
      client,
      `ALTER TABLE ${s}.bars SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol, bar_interval',
        timescaledb.compress_orderby = 'time')`,
    );
    for (const table of ["ticks", "bars"]) {
      await exec(
        client,
        "SELECT add_compression_policy($1::regclass, compress_after => $2::interval, if_not_exists => true)",
        [`${s}.${table}`, ctx.compressAfter],
      );
    }
    if (ctx.tickRetention !== null) {
      await exec(
        client,
        "SELECT add_retention_policy($1::regclass, drop_after => $2::interval, if_not_exists => true)",
        [`${s}.ticks`, ctx.tickRetention],
      );
    }
    for (const iv of ROLLUP_INTERVALS) {
      const view = `${s}."${caggName(iv)}"`;
      const stride = `INTERVAL '${pgInterval(iv)}'`;
      await exec(
        client,
        `CREATE MATERIALIZED VIEW ${view}
          WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
          SELECT symbol, time_bucket(${stride}, time) AS bucket,
            first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
            sum(volume) AS volume
          FROM ${s}.bars WHERE bar_interval = '1m'
          GROUP BY symbol, time_bucket(${stride}, time)
          WITH NO DATA`,
      );
      await exec(
        client,
        `SELECT add_continuous_aggregate_policy($1::regclass, start_offset => NULL, end_offset => $2::interval,
          schedule_interval => $3::interval, if_not_exists => true)`,
        [view, pgInterval(iv), iv === "1d" ? "1 hour" : "5 minutes"],
      );
    }
  },
};

const fills: Migration = {
  version: 3,
  name: "fills booked exactly once: positions.realized_pnl and version, ledger.fill_id (unique)",
  async up(client, { s }) {
    // ADD COLUMN with a constant default rewrites no rows (PostgreSQL >= 11): existing rows read 0 / NULL.
    await exec(
      client,
      `ALTER TABLE ${s}.positions ADD COLUMN IF NOT EXISTS realized_pnl numeric NOT NULL DEFAULT 0`,
    );
    await exec(
      client,
      `ALTER TABLE ${s}.positions ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0 CHECK (version >= 0)`,
    );
    await exec(
      client,
      `ALTER TABLE ${s}.ledger ADD COLUMN IF NOT EXISTS fill_id text COLLATE "C"
        CHECK (fill_id IS NULL OR char_length(fill_id) BETWEEN 1 AND 128)`,
    );
    // Unique, NULLs distinct: entries appended without a fillId stay allowed, any number of them.
    await exec(client, `CREATE UNIQUE INDEX IF NOT EXISTS ${FILL_ID_INDEX} ON ${s}.ledger (fill_id)`);
  },
};

const outbox: Migration = {
  version: 4,
  name: "transactional outbox: secondary writes recorded with the primary write (HybridAdapter relay)",
  async up(client, { s }) {
    await exec(
      client,
      `CREATE TABLE IF NOT EXISTS ${s}.outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`,
    );
  },
};

/** Every migration, in order. Versions are never reused; a new change is a new version. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([core, storage, fills, outbox]);
