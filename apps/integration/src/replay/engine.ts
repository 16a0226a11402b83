import type { CacheStats, DataSourceAdapter } from "@qts/contracts";
import type { Progress } from "../cli/progress.js";
import type { Session } from "../session/types.js";
import { type ChaosAction, type ChaosStep, runChaos } from "./chaos.js";
import type { PositionCheck } from "./ledger-check.js";
import { FillStage } from "./stages/fills.js";
import { IngestStage } from "./stages/ingest.js";
import { ErrorNotes } from "./stages/notes.js";
import { paceMinute, sessionLengthMs, waitForClosed } from "./stages/pacing.js";
import { PriceStage } from "./stages/prices.js";
import { type ReaderResult, startReaders } from "./stages/readers.js";
import { startingPositions, verifyRun } from "./stages/verification.js";
import type { Samples } from "./stats.js";
import type { EventRecorder, ReplayCache } from "./types.js";

/** A breaker whose transitions the replay records (the `CircuitBreaker` of `@qts/cache` fits). */
export interface ObservedBreaker {
  readonly state: string;
  onStateChange(listener: (to: string, from: string) => void): () => void;
}

export interface EngineInput {
  readonly session: Session;
  readonly db: DataSourceAdapter;
  readonly cache: ReplayCache;
  /** Written as the ledger entries' strategyTag; the check only counts entries with this tag. */
  readonly runTag: string;
  readonly readers: number;
  readonly batchSize: number;
  readonly pushConcurrency: number;
  /** Paces the session so it lasts at least this long (chaos needs time to happen). 0 = as fast as possible. */
  readonly minDurationMs: number;
  readonly progress: Progress;
  readonly events: EventRecorder;
  readonly breaker?: ObservedBreaker | undefined;
  /** A fault plan run against a private server while the session runs (`--chaos redis|postgres`). */
  readonly chaos?: readonly ChaosAction[] | undefined;
  /** After the session, wait up to this long for the circuit to close again (chaos runs). */
  readonly waitForClosedMs?: number | undefined;
}

export interface EngineResult {
  wallMs: number;
  ticks: number;
  bars: number;
  ingestMs: number;
  /** Tick/bar writes retried while the store was unavailable. */
  ingestRetries: number;
  pricesPushed: number;
  pricePushFailures: number;
  fillsApplied: number;
  /** Ledger appends that succeeded (each must show up in the ledger check). */
  ledgerAppended: number;
  fillsRejected: number;
  fillRetries: number;
  /** applyFill answers `duplicate: true` (a retry whose first attempt had committed). */
  fillDuplicates: number;
  fillMs: number;
  fillLatency: Samples;
  readers: ReaderResult;
  cacheStats: Record<string, CacheStats>;
  circuitState: string;
  circuitTimeline: { atMs: number; from: string; to: string }[];
  chaosTimeline: ChaosStep[];
  checks: PositionCheck[];
  ledgerFills: number;
  /** Fill ids found on more than one ledger row of this run (must be 0: no fill twice). */
  ledgerDuplicateFillIds: number;
  /** A Hybrid store: whether its secondary matches the primary after the run (null for other stores). */
  secondary: { consistent: boolean; backlog: number } | null;
  errors: string[];
}

/**
 * Runs a session through the data layer and the cache manager and measures everything the summary shows:
 * readers start, then per simulated minute the ingest, price and fill stages (paced, with the chaos plan running
 * alongside), readers stop, and the verification checks the stores. Each stage keeps its own counts.
 */
export async function runEngine(input: EngineInput): Promise<EngineResult> {
  const { session, db, cache, progress } = input;
  const t0 = performance.now();
  input.events.setOrigin(t0);
  const notes = new ErrorNotes(10);
  const circuitTimeline: EngineResult["circuitTimeline"] = [];
  const unsubscribe = input.breaker?.onStateChange((to, from) =>
    circuitTimeline.push({ atMs: Math.round(performance.now() - t0), from, to }),
  );
  const startBooks = await startingPositions(db, session.symbols);

  const paced = input.minDurationMs > 0 || input.chaos !== undefined;
  // A paced run waits between batches: readers pause 1 ms per iteration instead of spinning a core.
  const readers = startReaders(cache, session.symbols, input.readers, paced ? 1 : 0);
  const chaosTimeline: ChaosStep[] = [];
  const chaosDone = input.chaos ? runChaos(input.chaos, t0, chaosTimeline) : null;
  const lengthMs = sessionLengthMs(input.minDurationMs, input.chaos);
  const ingest = new IngestStage(db, input.batchSize);
  const prices = new PriceStage(cache, input.pushConcurrency, notes);
  const fills = new FillStage(cache, input.runTag, notes);
  const sessionStart = performance.now();

  let readerResult: ReaderResult;
  progress.start("replay", session.tickCount, "ticks");
  try {
    let minute = 0;
    for (const batch of session.batches()) {
      await ingest.run(batch.ticks, batch.bars);
      await prices.run(batch.ticks);
      await fills.run(batch.fills);
      minute += 1;
      progress.note(`circuit ${cache.circuitState}`);
      progress.update(ingest.counts.ticks);
      await paceMinute(minute, session.minutes, lengthMs, sessionStart);
    }
    if (chaosDone) await chaosDone;
    if (input.waitForClosedMs !== undefined) await waitForClosed(cache, input.waitForClosedMs);
  } finally {
    progress.finish();
    readerResult = await readers.stop();
    if (chaosDone) await chaosDone.catch(() => undefined);
  }
  const wallMs = performance.now() - sessionStart;

  const verified = await verifyRun({
    db,
    cache,
    symbols: session.symbols,
    startBooks,
    runTag: input.runTag,
    notes,
  });
  unsubscribe?.();
  const ing = ingest.counts;
  const fill = fills.counts;
  return {
    wallMs,
    ticks: ing.ticks,
    bars: ing.bars,
    ingestMs: ing.ms,
    ingestRetries: ing.retries,
    pricesPushed: prices.counts.pushed,
    pricePushFailures: prices.counts.failures,
    fillsApplied: fill.applied,
    ledgerAppended: fill.ledgerAppended,
    fillsRejected: fill.rejected,
    fillRetries: fill.retries,
    fillDuplicates: fill.duplicates,
    fillMs: fill.ms,
    fillLatency: fill.latency,
    readers: readerResult,
    cacheStats: verified.cacheStats,
    circuitState: verified.circuitState,
    circuitTimeline,
    chaosTimeline,
    checks: verified.checks,
    ledgerFills: verified.ledgerFills,
    ledgerDuplicateFillIds: verified.ledgerDuplicateFillIds,
    secondary: verified.secondary,
    errors: notes.lines,
  };
}
