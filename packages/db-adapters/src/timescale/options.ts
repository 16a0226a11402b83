import {
  type Clock,
  type ConnectionPoolConfig,
  DEFAULT_POOL_CONFIG,
  type EventSink,
  IssueCollector,
  postgresDsnProblem,
  postgresDsnToUrl,
  redactDsn,
  systemClock,
} from "@qts/contracts";

/** How the adapter uses the `timescaledb` extension. */
export type TimescaleMode = "auto" | "require" | "off";

export interface TimescaleAdapterOptions {
  /**
   * A PostgreSQL connection string: a `postgres://` URL or libpq key=value pairs (converted to the URL `pg`
   * takes); TLS via `sslmode`. One that cannot be read unambiguously is a `ConfigError`. Never logged
   * unredacted.
   */
  dsn: string;
  /** Schema holding every table (created by `migrate()`); default "public". Letters, digits, `_`. */
  schema?: string | undefined;
  /** Pool settings; defaults min 5, max 20, commandTimeoutMs 5000, statementCacheSize 100. */
  pool?: Partial<ConnectionPoolConfig> | undefined;
  /** Time allowed to open a connection (default: `commandTimeoutMs`). */
  connectTimeoutMs?: number | undefined;
  /** "auto" (default): use TimescaleDB when the extension is installed or installable; "off": plain tables. */
  timescale?: TimescaleMode | undefined;
  /** TimescaleDB: compress tick and bar chunks older than this (default "7 days"). */
  compressAfter?: string | undefined;
  /** TimescaleDB: drop tick chunks older than this (default: keep forever). Must exceed `compressAfter`. */
  tickRetention?: string | undefined;
  /** Batches of at least this many rows are written with COPY (default 1000; `Infinity` never uses COPY). */
  copyThreshold?: number | undefined;
  /** Rows per multi-row INSERT below the COPY threshold (default 5000; larger batches are split). */
  insertBatchRows?: number | undefined;
  /** Per-statement limit of bulk writes (`appendTicks`, `appendOhlcv`); default max(60000, commandTimeoutMs). */
  bulkTimeoutMs?: number | undefined;
  /** Keep the 5m..1d rollups of 1m bars current on ingest (default true). */
  maintainRollups?: boolean | undefined;
  /**
   * Named prepared statements (default true). `false` runs every statement unnamed, for PgBouncer in transaction
   * pooling (< 1.21, or without `max_prepared_statements`). Also set by the DSN parameter
   * `qts_prepared_statements=off` (stripped before pg sees the DSN).
   */
  preparedStatements?: boolean | undefined;
  /**
   * Streaming read replicas (one DSN or several) for history reads: `fetchOhlcv`, `fetchTickData`,
   * `fetchLedger`. Positions and every write stay on the primary. A replica that is down or lags more than
   * `maxReplicaLagMs` is skipped (the primary answers) until it recovers.
   */
  readDsn?: string | readonly string[] | undefined;
  /** Replay lag (`pg_last_xact_replay_timestamp`) above which a replica is skipped (default 1000). */
  maxReplicaLagMs?: number | undefined;
  /** How often each replica's lag and reachability are measured (default 250 ms). */
  replicaCheckIntervalMs?: number | undefined;
  /** Sets `updatedAt` of positions (default: system clock). */
  clock?: Clock | undefined;
  /** Reported as `name` and as the health source (default "timescale"). */
  name?: string | undefined;
  /**
   * Transactional outbox (default false; `HybridAdapter` turns it on for its primary): every write also inserts
   * a row describing it into `outbox`, in the same statement or transaction, for a relay to replicate.
   */
  outbox?: boolean | undefined;
  /** Receives events the adapter raises on its own (e.g. a continuous-aggregate refresh that failed). */
  eventSink?: EventSink | undefined;
}

export interface ResolvedTimescaleOptions {
  /** The connection string as a URL (key=value pairs converted). */
  readonly dsn: string;
  readonly schema: string;
  readonly pool: ConnectionPoolConfig;
  readonly connectTimeoutMs: number;
  readonly timescale: TimescaleMode;
  readonly compressAfter: string;
  readonly tickRetention: string | null;
  readonly copyThreshold: number;
  readonly insertBatchRows: number;
  readonly bulkTimeoutMs: number;
  readonly maintainRollups: boolean;
  /** False: every statement unnamed, no `DEALLOCATE ALL` on connect (PgBouncer transaction pooling). */
  readonly preparedStatements: boolean;
  /** Replica DSNs (without the qts_ parameter); empty: every read on the primary. */
  readonly readDsns: readonly string[];
  readonly maxReplicaLagMs: number;
  readonly replicaCheckIntervalMs: number;
  readonly clock: Clock;
  readonly name: string;
  readonly outbox: boolean;
  readonly eventSink: EventSink | undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const PG_INTERVAL = /^\s*\d+\s*(minutes?|hours?|days?|weeks?|months?|years?)\s*$/i;

/** Interval text to days (months 30, years 365), for comparing retention with the compression age. */
function intervalDays(text: string): number {
  const m = /^\s*(\d+)\s*([a-z]+)/i.exec(text);
  const n = Number(m?.[1] ?? 0);
  const unit = (m?.[2] ?? "").toLowerCase().replace(/s$/, "");
  const days: Record<string, number> = {
    minute: 1 / 1440,
    hour: 1 / 24,
    day: 1,
    week: 7,
    month: 30,
    year: 365,
  };
  return n * (days[unit] ?? 0);
}

/** The DSN parameter that turns named prepared statements off (`off`/`false`/`0`) or on (`on`/`true`/`1`). */
export const PREPARED_STATEMENTS_PARAM = "qts_prepared_statements";
const PARAM_VALUES: Record<string, boolean> = {
  on: true,
  true: true,
  "1": true,
  off: false,
  false: false,
  "0": false,
};

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Takes `qts_prepared_statements=...` out of a DSN (URL query or libpq `key=value` form), so pg never sees a
 * parameter it does not know. Returns the DSN without it and the raw value (undefined when absent).
 */
export function takeDsnParam(dsn: string): { dsn: string; value: string | undefined } {
  const name = PREPARED_STATEMENTS_PARAM;
  let value: string | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dsn.trim())) {
    const q = dsn.indexOf("?");
    if (q < 0) return { dsn, value };
    const hash = dsn.indexOf("#", q);
    const query = dsn.slice(q + 1, hash < 0 ? undefined : hash);
    const kept = query.split("&").filter((pair) => {
      const [k, v = ""] = pair.split("=");
      if (safeDecode(k ?? "") !== name) return true;
      value = safeDecode(v);
      return false;
    });
    const rest = kept.length > 0 ? `?${kept.join("&")}` : "";
    return { dsn: dsn.slice(0, q) + rest + (hash < 0 ? "" : dsn.slice(hash)), value };
  }
  const re = new RegExp(`(^|\\s)${name}\\s*=\\s*('[^']*'|\\S*)`, "i");
  const m = re.exec(dsn);
  if (!m) return { dsn, value };
  value = (m[2] ?? "").replace(/^'|'$/g, "");
  const before = dsn.slice(0, m.index + (m[1] ?? "").length);
  const after = dsn.slice(m.index + m[0].length);
  return { dsn: `${before}${/\s$/.test(before) ? after.trimStart() : after}`.trim(), value };
}

/** `on`/`true`/`1` → true, `off`/`false`/`0` → false (case-insensitive), anything else undefined. */
export function parseOnOff(text: string): boolean | undefined {
  return PARAM_VALUES[text.toLowerCase()];
}

/** Named prepared statements: the option, or the DSN parameter (the two must agree when both are given). */
function resolvePreparedStatements(
  issues: IssueCollector,
  given: unknown,
  fromDsn: string | undefined,
): boolean {
  const option = given === undefined ? undefined : issues.opt.bool(given, "preparedStatements", true);
  if (fromDsn === undefined) return option ?? true;
  const fromParam = parseOnOff(fromDsn);
  if (fromParam === undefined)
    issues.add(`dsn ${PREPARED_STATEMENTS_PARAM}`, redactDsn(fromDsn), "must be on or off");
  else if (option !== undefined && option !== fromParam)
    issues.add("preparedStatements", given, `contradicts ${PREPARED_STATEMENTS_PARAM}=${fromDsn} in the DSN`);
  return fromParam ?? option ?? true;
}

/** The replica DSNs (each checked, the qts_ parameter taken out, converted to a URL). */
function resolveReadDsns(issues: IssueCollector, given: unknown): string[] {
  const raw = given ?? [];
  const list: unknown[] = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : [raw];
  const readDsns: string[] = [];
  for (const r of list) {
    if (typeof r !== "string" || r.trim() === "") {
      issues.add("readDsn", "", "each read DSN must be a non-empty string");
      continue;
    }
    const read = takeDsnParam(r).dsn;
    const problem = postgresDsnProblem(read);
    if (problem !== null) issues.add("readDsn", redactDsn(read), problem);
    else readDsns.push(postgresDsnToUrl(read));
  }
  return readDsns;
}

/** The connection pool: each setting an integer (max >= 1, commandTimeoutMs >= 1), min <= max. */
function resolvePool(
  issues: IssueCollector,
  given: Partial<ConnectionPoolConfig> | undefined,
): ConnectionPoolConfig {
  const p = given ?? {};
  const d = DEFAULT_POOL_CONFIG;
  const pool = {
    minConnections: issues.opt.int(p.minConnections, "pool.minConnections", d.minConnections, 0),
    maxConnections: issues.opt.int(p.maxConnections, "pool.maxConnections", d.maxConnections, 1),
    commandTimeoutMs: issues.opt.int(p.commandTimeoutMs, "pool.commandTimeoutMs", d.commandTimeoutMs, 1),
    statementCacheSize: issues.opt.int(
      p.statementCacheSize,
      "pool.statementCacheSize",
      d.statementCacheSize,
      0,
    ),
  };
  if (pool.minConnections > pool.maxConnections)
    issues.add("pool.minConnections", pool.minConnections, "must be <= maxConnections");
  return Object.freeze(pool);
}

/**
 * Resolves the adapter's options into a frozen object with the shared `opt` validators; every bad option is
 * reported at once in one `ConfigError` (DSN values redacted).
 */
export function resolveTimescaleOptions(options: TimescaleAdapterOptions): ResolvedTimescaleOptions {
  const o: Partial<TimescaleAdapterOptions> = options ?? {};
  const issues = new IssueCollector();
  const given = o.dsn;
  if (typeof given !== "string" || given.trim() === "")
    issues.add("dsn", "", "a PostgreSQL connection string is required");
  const { dsn, value: fromDsn } =
    typeof given === "string" ? takeDsnParam(given) : { dsn: "", value: undefined };
  if (dsn.trim() !== "") {
    const problem = postgresDsnProblem(dsn);
    if (problem !== null) issues.add("dsn", redactDsn(dsn), problem);
  }
  const preparedStatements = resolvePreparedStatements(issues, o.preparedStatements, fromDsn);
  const schema = o.schema ?? "public";
  if (!IDENTIFIER.test(schema)) issues.add("schema", schema, "must match [A-Za-z_][A-Za-z0-9_]* (max 63)");
  const pool = resolvePool(issues, o.pool);
  const connectTimeoutMs = issues.opt.int(o.connectTimeoutMs, "connectTimeoutMs", pool.commandTimeoutMs, 1);
  const timescale = issues.opt.oneOf(o.timescale, "timescale", "auto", ["auto", "require", "off"] as const);
  const compressAfter = o.compressAfter ?? "7 days";
  if (!PG_INTERVAL.test(compressAfter)) issues.add("compressAfter", compressAfter, 'must look like "7 days"');
  const tickRetention = o.tickRetention ?? null;
  if (tickRetention !== null) {
    if (!PG_INTERVAL.test(tickRetention))
      issues.add("tickRetention", tickRetention, 'must look like "90 days"');
    else if (intervalDays(tickRetention) <= intervalDays(compressAfter))
      issues.add("tickRetention", tickRetention, `must be longer than compressAfter (${compressAfter})`);
  }
  const copyThreshold = o.copyThreshold ?? 1000;
  if (!(copyThreshold >= 1))
    issues.add("copyThreshold", copyThreshold, "must be >= 1 (Infinity disables COPY)");
  const insertBatchRows = issues.opt.int(o.insertBatchRows, "insertBatchRows", 5000, 1);
  const bulkTimeoutDefault = Math.max(60_000, pool.commandTimeoutMs);
  const bulkTimeoutMs = issues.opt.int(o.bulkTimeoutMs, "bulkTimeoutMs", bulkTimeoutDefault, 1);
  const readDsns = resolveReadDsns(issues, o.readDsn);
  const maxReplicaLagMs = issues.opt.int(o.maxReplicaLagMs, "maxReplicaLagMs", 1000, 0);
  const replicaCheckIntervalMs = issues.opt.int(o.replicaCheckIntervalMs, "replicaCheckIntervalMs", 250, 10);
  const maintainRollups = issues.opt.bool(o.maintainRollups, "maintainRollups", true);
  const clock = issues.opt.clock(o.clock, "clock", systemClock);
  const name = issues.opt.str(o.name, "name", "timescale");
  const outbox = issues.opt.bool(o.outbox, "outbox", false);
  issues.throwIfAny();
  return Object.freeze({
    dsn: postgresDsnToUrl(dsn),
    schema,
    pool,
    connectTimeoutMs,
    timescale,
    compressAfter,
    tickRetention,
    copyThreshold,
    insertBatchRows,
    bulkTimeoutMs,
    maintainRollups,
    preparedStatements,
    readDsns: Object.freeze(readDsns),
    maxReplicaLagMs,
    replicaCheckIntervalMs,
    clock,
    name,
    outbox,
    eventSink: o.eventSink,
  });
}
