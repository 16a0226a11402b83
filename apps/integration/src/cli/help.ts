const STORES = `Stores (default: in-memory data store and cache, nothing to install):
  --db <dsn>               PostgreSQL/TimescaleDB, e.g. postgres://user:pass@host:5432/db   [QTS_DB_DSN]
  --redis <url>            Redis, e.g. redis://host:6379/0                                  [QTS_REDIS_URL]
  --mode <mode>            SHEETS_ONLY | HYBRID | DB_ONLY (default: DB_ONLY with --db)       [QTS_DATA_MODE]
  --sheets-id <id>         spreadsheet id for SHEETS_ONLY / HYBRID              [QTS_SHEETS_SPREADSHEET_ID]
  --sheets-root-url <url>  Sheets API root (a local emulator)                         [QTS_SHEETS_ROOT_URL]
  --sheets-key-file <path> service-account key file                                   [QTS_SHEETS_KEY_FILE]
  --sheets-token <token>   a fixed OAuth access token instead (local emulators)    [QTS_SHEETS_ACCESS_TOKEN]
  --schema <name>          PostgreSQL schema (replay default: a new qts_replay_<run id> per run)
  --namespace <prefix>     cache key namespace (replay default: qts:replay:<run id>:)`;

const COMMON = `Common:
  --json                   print the result as JSON on stdout
  -q, --quiet              no progress output
  -v, --verbose            show stack traces on errors
  -h, --help               this help`;

export const HELP: Record<string, string> = {
  "": `qts — the QTS data infrastructure command line

Usage: qts <command> [flags]

Commands:
  replay    replay a market session through the data layer and the cache, print a summary
  health    health of every configured store and cache (exit 1 when one is down)
  migrate   apply the database schema to --db
  sync      copy Sheets into the database (SHEETS_ONLY -> DB_ONLY) and verify
  bench     run the benchmarks (apps/bench)

Run \`qts <command> --help\` for a command's flags. With no flags, \`qts replay\` runs on embedded
in-memory stores and needs no server.

Exit codes: 0 ok, 1 a check failed or a service is down, 2 bad flags or configuration.`,

  replay: `qts replay — replay a market session and check that no fill is lost

Usage: qts replay [flags]

Generates a reproducible synthetic session (or reads --ticks), ingests ticks and 1m bars in bulk, pushes
every price through CacheManager.pushPrice, turns a share of ticks into fills (booked once each with
CacheManager.applyFill: ledger, position and cache), runs concurrent getPosition/getPrice readers, then recomputes every position from the ledger
and compares it with the store and the cache.

Session:
  --symbols <n|list>       number of symbols or a comma list (default 8)
  --minutes <n>            session length in minutes (default 30)
  --ticks-per-minute <n>   ticks per symbol per minute (default 120)
  --seed <n>               PRNG seed: the same seed gives the same session (default 42)
  --fill-rate <0..1>       share of ticks that become fills (default 0.05)
  --start <iso>            session start (default 2024-01-02T14:30:00Z)
  --ticks <file.csv>       replay this file instead; header time,symbol,price,volume[,bid,ask,source]
                           (time ISO 8601 or epoch ms; fills are still drawn with --seed)
Workload:
  --readers <n>            concurrent reader loops (default 4)
  --batch-size <n>         rows per appendTicks call (default 5000)
  --min-duration-ms <n>    pace the session to last at least this long (default 0)
  --chaos redis            start a private redis-server, hang it (SIGSTOP), kill it and restart it
                           mid-run; the breaker opens and closes again (needs redis-server installed)
  --chaos postgres         start a private PostgreSQL as the store and crash it (-m immediate) twice
                           mid-run; fills are retried with the same id: no fill lost, no fill twice
  --breaker-threshold <n>  consecutive cache failures that open the circuit (default 5)
  --breaker-recovery-ms <n> time the circuit stays open before a probe (default 60000; chaos 1000)
  --metrics-port <n>       serve Prometheus metrics on http://127.0.0.1:<n>/metrics while it runs (0: any port)
  --hold                   with --metrics-port: keep serving after the summary until Ctrl-C
  --cleanup                drop the run's schema and cache keys afterwards

${STORES}

${COMMON}

Exit 1 when "no fill lost" fails or a getPosition call failed.`,

  health: `qts health — check every configured store and cache

Usage: qts health [flags]

Checks the data store (--db / --mode / Sheets settings, or the QTS_* variables) and the cache (--redis or
QTS_REDIS_URL). With nothing configured it checks the embedded in-memory defaults. Exit 1 when one is down.

${STORES}

${COMMON}`,

  migrate: `qts migrate — apply the database schema

Usage: qts migrate --db <dsn> [--schema <name>]

Applies the versioned, idempotent migrations (safe to run twice or from two processes at once).

  --db <dsn>               PostgreSQL DSN                                                   [QTS_DB_DSN]
  --schema <name>          schema to migrate (default: the adapter's default)

${COMMON}`,

  sync: `qts sync — copy the Sheets store into the database and verify it

Usage: qts sync --from sheets --to db --sheets-id <id> --db <dsn> [--no-verify]

The SHEETS_ONLY -> HYBRID -> DB_ONLY migration path: copies positions, ledger, bars and ticks of every
symbol found in any tab (also symbols that only have bars or ticks) from the spreadsheet into PostgreSQL,
shows progress, prints per-kind counts, then compares both stores (exit 1 on a mismatch). Safe to rerun:
what the database already holds is not copied again (no duplicate ledger rows or ticks).

  --from sheets            source (only "sheets")
  --to db                  destination (only "db")
  --no-verify              skip the comparison afterwards (verification is the default; --verify is accepted)

${STORES}

${COMMON}`,

  bench: `qts bench — run the benchmarks

Usage: qts bench [bench flags]

Runs apps/bench (baseline vs project, median of repeats; results in apps/bench/results/latest.json).
Every flag after "bench" goes to the benchmark runner; \`qts bench --help\` shows them.`,
};

export function helpFor(verb: string): string {
  return HELP[verb] ?? HELP[""]!;
}
