import { COMMON_OPTIONS, flag, parse, str } from "../cli/args.js";
import { UsageError } from "../cli/errors.js";
import { type Io, println } from "../cli/io.js";
import { openDataStore, storeSettings } from "../wiring/stores.js";

const VERB = "migrate";

/** `qts migrate --db <dsn> [--schema s]`: applies the versioned migrations (idempotent). */
export async function runMigrate(argv: string[], io: Io): Promise<number> {
  const v = parse(VERB, argv, { ...COMMON_OPTIONS, db: { type: "string" }, schema: { type: "string" } });
  const dsn = (str(v, "db") ?? io.env.QTS_DB_DSN ?? "").trim();
  if (!dsn) throw new UsageError("needs a database: give --db postgres://... or set QTS_DB_DSN", VERB);
  const settings = storeSettings({ db: dsn, mode: "DB_ONLY", schema: str(v, "schema") }, io.env, VERB, (m) =>
    println(io.stderr, `qts ${VERB}: warning: ${m}`),
  );
  const t = performance.now();
  const store = await openDataStore(settings, undefined, true);
  await store.db.close().catch(() => undefined);
  const ms = Math.round(performance.now() - t);
  if (flag(v, "json")) println(io.stdout, JSON.stringify({ ok: true, target: store.description, ms }));
  else println(io.stdout, `migrated ${store.description} in ${ms} ms (schema up to date)`);
  return 0;
}
