import { type SyncProgress, type SyncReport, syncDataSources } from "@qts/db-adapters";
import { COMMON_OPTIONS, flag, parse, STORE_OPTIONS, str } from "../cli/args.js";
import { UsageError } from "../cli/errors.js";
import { type Io, println } from "../cli/io.js";
import { Progress } from "../cli/progress.js";
import { type OpenedStore, openDataStore, storeSettings } from "../wiring/stores.js";

const VERB = "sync";

export function renderSync(r: SyncReport, source: string, target: string): string {
  const listed = r.sourceSymbols;
  const of = (kind: keyof NonNullable<SyncReport["sourceSymbols"]>) =>
    listed === null ? "" : ` (${plural(listed[kind].length, "symbol")})`;
  const L = [
    `synced ${source} -> ${target} in ${(r.durationMs / 1000).toFixed(2)} s (${plural(r.symbols.length, "symbol")})`,
    `  positions  ${r.positions.copied} copied, ${r.positions.unchanged} unchanged${of("positions")}`,
    `  ledger     ${r.ledger.copied} copied, ${r.ledger.alreadyPresent} already present${of("ledger")}`,
    `  bars       ${r.bars.copied} copied, ${r.bars.alreadyPresent} already present${of("bars")}`,
    `  ticks      ${r.ticks.copied} copied, ${r.ticks.alreadyPresent} already present${of("ticks")}`,
  ];
  if (listed === null)
    L.push(
      "  note       the source cannot list its symbols: bars and ticks only for symbols with a position or ledger row",
    );
  const v = r.verification;
  if (v === null) L.push("  verify     skipped (--no-verify)");
  else if (v.consistent) L.push("  verify     OK: positions, ledger, bars and ticks match");
  else {
    L.push("  verify     MISMATCH");
    if (v.positions.length > 0) L.push(`    positions differ: ${v.positions.join(", ")}`);
    if (v.ledgerMissing > 0) L.push(`    ledger entries missing in the target: ${v.ledgerMissing}`);
    if (v.bars.length > 0) L.push(`    bars differ: ${v.bars.join(", ")}`);
    if (v.ticksMissing > 0) L.push(`    ticks missing in the target: ${v.ticksMissing}`);
  }
  return L.join("\n");
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/**
 * `qts sync --from sheets --to db [--no-verify]`: the SHEETS_ONLY -> DB_ONLY step. Copies every symbol of every
 * tab, is safe to rerun, and verifies unless `--no-verify` (`--verify` is accepted and is the default).
 */
export async function runSync(argv: string[], io: Io): Promise<number> {
  const v = parse(VERB, argv, {
    ...COMMON_OPTIONS,
    ...STORE_OPTIONS,
    from: { type: "string" },
    to: { type: "string" },
    verify: { type: "boolean" },
    "no-verify": { type: "boolean" },
  });
  if (flag(v, "verify") && flag(v, "no-verify"))
    throw new UsageError("--verify and --no-verify contradict each other", VERB);
  const from = str(v, "from") ?? "sheets";
  const to = str(v, "to") ?? "db";
  if (from !== "sheets" || to !== "db") {
    throw new UsageError(`only --from sheets --to db is supported (got --from ${from} --to ${to})`, VERB);
  }
  const base = storeSettings({ ...v, mode: "HYBRID" }, io.env, VERB);
  let source: OpenedStore | null = null;
  let target: OpenedStore | null = null;
  const progress = new Progress({ stream: io.stderr, enabled: !flag(v, "quiet") });
  try {
    source = await openDataStore({ ...base, mode: "SHEETS_ONLY" }, undefined, false);
    target = await openDataStore({ ...base, mode: "DB_ONLY" }, undefined, true);
    let phase = "";
    const report = await syncDataSources(source.db, target.db, {
      verify: !flag(v, "no-verify"),
      onProgress: (p: SyncProgress) => {
        if (p.phase !== phase) {
          progress.finish();
          phase = p.phase;
          progress.start(`sync ${p.phase}`, p.total);
        }
        progress.update(p.done);
      },
    });
    progress.finish();
    const ok = report.verification === null || report.verification.consistent;
    if (flag(v, "json")) {
      println(
        io.stdout,
        JSON.stringify({ ok, source: source.description, target: target.description, ...report }, null, 2),
      );
    } else {
      println(io.stdout, renderSync(report, source.description, target.description));
    }
    return ok ? 0 : 1;
  } finally {
    progress.finish();
    await source?.db.close().catch(() => undefined);
    await target?.db.close().catch(() => undefined);
  }
}
