import type { CacheStats } from "@qts/contracts";
import type { ChaosStep } from "./chaos.js";
import type { EngineResult } from "./engine.js";
import type { PositionCheck } from "./ledger-check.js";
import { perSecond, round3 } from "./stats.js";
import type { EventRecorder } from "./types.js";

/** Where the run's data went. */
export interface StoreInfo {
  /** e.g. `memory (in-process, nothing persisted)` or `timescale postgres://app:***@db/qts schema qts_replay_ab12` */
  readonly data: string;
  readonly cache: string;
  readonly schema: string | null;
  readonly namespace: string;
}

/** The replay summary, as printed by `--json` (numbers are plain JSON numbers, decimals plain strings). */
export interface ReplaySummary {
  ok: boolean;
  runId: string;
  session: { origin: string; symbols: number; minutes: number; start: string };
  stores: StoreInfo;
  durationMs: number;
  ingest: { ticks: number; bars: number; rows: number; ms: number; retries: number; rowsPerSec: number };
  prices: { pushed: number; failed: number };
  fills: {
    applied: number;
    rejected: number;
    retries: number;
    /** Retries whose first attempt had committed: the store answered `duplicate: true`, no second booking. */
    duplicates: number;
    perSec: number;
    p50Ms: number | null;
    p99Ms: number | null;
  };
  reads: {
    readers: number;
    getPosition: {
      count: number;
      failed: number;
      p50Ms: number | null;
      p99Ms: number | null;
      maxMs: number | null;
    };
    getPrice: { count: number; nulls: number; failed: number };
  };
  cache: Record<string, CacheStats>;
  circuit: { state: string; transitions: { atMs: number; from: string; to: string }[] };
  events: { counts: Record<string, number>; timeline: EventRecorder["timeline"] };
  chaos: { store: "redis" | "postgres"; timeline: ChaosStep[] } | null;
  positions: { symbol: string; qty: string; avgPrice: string; ledgerFills: number; ok: boolean }[];
  check: {
    noFillLost: boolean;
    /** No fill id on two ledger rows of this run. */
    noFillTwice: boolean;
    duplicateFillIds: number;
    ledgerEntries: number;
    ledgerAppended: number;
    mismatches: PositionCheck[];
    /** HYBRID: the secondary store matches the primary (positions and ledger) after draining its queue. */
    secondary: { consistent: boolean; backlog: number } | null;
  };
  errors: string[];
}

export function buildSummary(args: {
  runId: string;
  result: EngineResult;
  session: { origin: string; symbols: readonly string[]; minutes: number; start: Date };
  stores: StoreInfo;
  readers: number;
  events: EventRecorder;
  /** The store under chaos ("redis" | "postgres"), or null. */
  chaos: "redis" | "postgres" | null;
}): ReplaySummary {
  const { result: r } = args;
  const rows = r.ticks + r.bars;
  const reads = r.readers.positionLatency.summary();
  const fl = r.fillLatency.summary();
  const mismatches = r.checks.filter((c) => !c.ok);
  const noFillLost = mismatches.length === 0 && r.ledgerFills === r.ledgerAppended;
  const noFillTwice = r.ledgerDuplicateFillIds === 0;
  // With the database crashing on purpose, an uncached read may fail while it is down: counted, not a failure.
  const readsOk = args.chaos === "postgres" || r.readers.failedPositionReads === 0;
  return {
    ok: noFillLost && noFillTwice && readsOk,
    runId: args.runId,
    session: {
      origin: args.session.origin,
      symbols: args.session.symbols.length,
      minutes: args.session.minutes,
      start: args.session.start.toISOString(),
    },
    stores: args.stores,
    durationMs: Math.round(r.wallMs),
    ingest: {
      ticks: r.ticks,
      bars: r.bars,
      rows,
      ms: Math.round(r.ingestMs),
      retries: r.ingestRetries,
      rowsPerSec: perSecond(rows, r.ingestMs),
    },
    prices: { pushed: r.pricesPushed, failed: r.pricePushFailures },
    fills: {
      applied: r.fillsApplied,
      rejected: r.fillsRejected,
      retries: r.fillRetries,
      duplicates: r.fillDuplicates,
      perSec: perSecond(r.fillsApplied, r.fillMs),
      p50Ms: fl.p50Ms,
      p99Ms: fl.p99Ms,
    },
    reads: {
      readers: args.readers,
      getPosition: {
        count: r.readers.positionReads,
        failed: r.readers.failedPositionReads,
        p50Ms: reads.p50Ms,
        p99Ms: reads.p99Ms,
        maxMs: reads.maxMs,
      },
      getPrice: {
        count: r.readers.priceReads,
        nulls: r.readers.priceMisses,
        failed: r.readers.failedPriceReads,
      },
    },
    cache: Object.fromEntries(
      Object.entries(r.cacheStats).map(([k, s]) => [k, { ...s, hitRate: round3(s.hitRate) }]),
    ),
    circuit: { state: r.circuitState, transitions: r.circuitTimeline },
    events: { counts: { ...args.events.counts }, timeline: args.events.timeline },
    chaos: args.chaos ? { store: args.chaos, timeline: r.chaosTimeline } : null,
    positions: r.checks.map((c) => ({
      symbol: c.symbol,
      qty: c.db?.qty ?? "0",
      avgPrice: c.db?.avgPrice ?? "0",
      ledgerFills: c.ledgerFills,
      ok: c.ok,
    })),
    check: {
      noFillLost,
      noFillTwice,
      duplicateFillIds: r.ledgerDuplicateFillIds,
      ledgerEntries: r.ledgerFills,
      ledgerAppended: r.ledgerAppended,
      mismatches,
      secondary: r.secondary,
    },
    errors: [...r.errors, ...r.readers.errors],
  };
}

const n = (x: number) => x.toLocaleString("en-US");
const ms = (x: number | null) =>
  x === null
    ? "-"
    : x < 0.001
      ? "<1 µs"
      : x < 0.01
        ? `${(x * 1000).toFixed(1)} µs`
        : x < 1
          ? `${x.toFixed(3)} ms`
          : `${x.toFixed(2)} ms`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The human summary. */
export function renderSummary(s: ReplaySummary): string {
  const L: string[] = [];
  const row = (label: string, text: string) => L.push(`${label.padEnd(12)}${text}`);
  L.push(
    `qts replay ${s.runId}: ${s.session.origin}, ${s.session.symbols} symbols x ${s.session.minutes} min from ${s.session.start}`,
  );
  row("data", s.stores.data);
  row("cache", `${s.stores.cache}, namespace ${s.stores.namespace}`);
  L.push("");
  row(
    "ingest",
    `${n(s.ingest.ticks)} ticks + ${n(s.ingest.bars)} 1m bars in ${(s.ingest.ms / 1000).toFixed(2)} s -> ${n(s.ingest.rowsPerSec)} rows/s${s.ingest.retries > 0 ? ` (${n(s.ingest.retries)} write(s) retried while the store was down)` : ""}`,
  );
  row("prices", `${n(s.prices.pushed)} pushed through pushPrice, ${n(s.prices.failed)} not cached`);
  row(
    "fills",
    `${n(s.fills.applied)} applied (${n(s.fills.rejected)} rejected, ${n(s.fills.retries)} retries, ${n(s.fills.duplicates)} duplicates detected) -> ${n(s.fills.perSec)} fills/s, p50 ${ms(s.fills.p50Ms)} p99 ${ms(s.fills.p99Ms)}`,
  );
  const gp = s.reads.getPosition;
  row(
    "getPosition",
    `${n(gp.count)} reads by ${s.reads.readers} readers, ${n(gp.failed)} failed, p50 ${ms(gp.p50Ms)} p99 ${ms(gp.p99Ms)} max ${ms(gp.maxMs)}`,
  );
  const pr = s.reads.getPrice;
  row("getPrice", `${n(pr.count)} reads, ${n(pr.nulls)} null (no fresh price), ${n(pr.failed)} failed`);
  L.push("");
  row(
    "cache",
    `${"type".padEnd(10)}${"hits".padStart(10)}${"misses".padStart(10)}${"errors".padStart(8)}${"hit rate".padStart(10)}`,
  );
  for (const [type, st] of Object.entries(s.cache)) {
    if (st.hitCount + st.missCount + st.errorCount === 0) continue;
    row(
      "",
      `${type.padEnd(10)}${n(st.hitCount).padStart(10)}${n(st.missCount).padStart(10)}${n(st.errorCount).padStart(8)}${pct(st.hitRate).padStart(10)}`,
    );
  }
  L.push("");
  row("circuit", `${s.circuit.state}${s.circuit.transitions.length === 0 ? " (never opened)" : ""}`);
  const timeline = [
    ...(s.chaos?.timeline ?? []).map((c) => ({ atMs: c.atMs, text: c.action })),
    ...s.circuit.transitions.map((t) => ({ atMs: t.atMs, text: `circuit ${t.from} -> ${t.to}` })),
    ...s.events.timeline.map((e) => ({
      atMs: e.atMs,
      text: `event ${e.type} (${e.priority})`,
    })),
  ].sort((a, b) => a.atMs - b.atMs);
  for (const t of timeline) row("", `+${(t.atMs / 1000).toFixed(2)} s  ${t.text}`);
  const counts = Object.entries(s.events.counts);
  const reopens = s.circuit.transitions.filter((t) => t.from === "HALF_OPEN" && t.to === "OPEN").length;
  const outages = s.events.counts.BROKER_DISCONNECT ?? 0;
  const outageNote =
    reopens > 0 ? ` (${outages} outage(s); ${reopens} failed probe(s) re-opened the circuit)` : "";
  row("events", counts.length === 0 ? "none" : counts.map(([k, v]) => `${k} ${v}`).join(", ") + outageNote);
  L.push("");
  row(
    "positions",
    `${"symbol".padEnd(8)}${"qty".padStart(14)}${"avg price".padStart(18)}${"fills".padStart(7)}`,
  );
  for (const p of s.positions) {
    row(
      "",
      `${p.symbol.padEnd(8)}${p.qty.padStart(14)}${p.avgPrice.padStart(18)}${String(p.ledgerFills).padStart(7)}${p.ok ? "" : "  MISMATCH"}`,
    );
  }
  L.push("");
  for (const m of s.check.mismatches) {
    L.push(
      `  ${m.symbol}: ledger implies qty ${m.expected.qty} @ ${m.expected.avgPrice}, store ${m.db ? `${m.db.qty} @ ${m.db.avgPrice}` : "none"}, cache ${m.cache ? `${m.cache.qty} @ ${m.cache.avgPrice}` : "none"}`,
    );
  }
  L.push(
    `no fill lost, no fill twice: ${s.check.noFillLost && s.check.noFillTwice ? "OK" : "FAILED"} (${n(s.check.duplicateFillIds)} fill id(s) on two ledger rows; ${n(s.check.ledgerEntries)} ledger entries of ${n(s.check.ledgerAppended)} acknowledged replayed; store and cache ${s.check.mismatches.length === 0 ? "agree" : `disagree on ${s.check.mismatches.length} symbol(s)`})`,
  );
  if (s.check.secondary !== null) {
    const sec = s.check.secondary;
    L.push(
      `secondary store: ${sec.consistent ? "consistent with the primary" : "DIFFERS from the primary"} (backlog ${sec.backlog})`,
    );
  }
  if (gp.failed > 0 && s.chaos?.store === "postgres")
    L.push(`position reads: ${gp.failed} getPosition calls rejected while PostgreSQL was down (uncached)`);
  else if (gp.failed > 0) L.push(`position reads: FAILED (${gp.failed} getPosition calls rejected)`);
  for (const e of s.errors.slice(0, 5)) L.push(`  error: ${e}`);
  return L.join("\n");
}
