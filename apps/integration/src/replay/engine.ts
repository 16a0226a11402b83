import { setImmediate as yieldNow } from "node:timers/promises";
import {
  CACHE_TYPES,
  type CacheStats,
  chunks,
  type DataSourceAdapter,
  DataSourceUnavailableError,
  type FillResult,
  isReconcilable,
  type OHLCV,
  type Position,
  priceQuoteFromTick,
  priceToHash,
  retry,
  sleep,
  type TickData,
} from "@qts/contracts";
import type { Progress } from "../cli/progress.js";
import { bookableFill } from "../session/fills.js";
import type { Fill, Session } from "../session/types.js";
import { type ChaosAction, type ChaosStep, chaosSpanMs, runChaos } from "./chaos.js";
import { checkPositions, type PositionCheck } from "./ledger-check.js";
import { type ReaderResult, startReaders } from "./readers.js";
import { Samples } from "./stats.js";
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

/** How long one fill is retried while the store is unavailable (a restart takes seconds). */
const FILL_RETRY_MS = 60_000;

/** Retries `fn` with the same arguments while it rejects with `DataSourceUnavailableError`, up to `withinMs`. */
function retryUnavailable<T>(fn: () => Promise<T>, withinMs: number, onRetry: () => void): Promise<T> {
  return retry(fn, {
    deadlineMs: withinMs,
    baseDelayMs: 25,
    maxDelayMs: 1000,
    retryable: (err) => err instanceof DataSourceUnavailableError,
    onRetry,
  });
}

/** Runs a session through the data layer and the cache manager and measures everything the summary shows. */
export async function runEngine(input: EngineInput): Promise<EngineResult> {
  const { session, db, cache, progress } = input;
  const t0 = performance.now();
  input.events.setOrigin(t0);
  const r: EngineResult = {
    wallMs: 0,
    ticks: 0,
    bars: 0,
    ingestMs: 0,
    ingestRetries: 0,
    pricesPushed: 0,
    pricePushFailures: 0,
    fillsApplied: 0,
    ledgerAppended: 0,
    fillsRejected: 0,
    fillRetries: 0,
    fillDuplicates: 0,
    fillMs: 0,
    fillLatency: new Samples(),
    readers: undefined as unknown as ReaderResult,
    cacheStats: {},
    circuitState: "",
    circuitTimeline: [],
    chaosTimeline: [],
    checks: [],
    ledgerFills: 0,
    ledgerDuplicateFillIds: 0,
    secondary: null,
    errors: [],
  };
  const note = (what: string, err: unknown) => {
    if (r.errors.length < 10) r.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  };
  const unsubscribe = input.breaker?.onStateChange((to, from) =>
    r.circuitTimeline.push({ atMs: Math.round(performance.now() - t0), from, to }),
  );

  // Starting positions (a reused schema may already hold some): the ledger check starts from these.
  const startBooks = new Map<string, Position | null>();
  for (const symbol of session.symbols) startBooks.set(symbol, await db.fetchPosition(symbol));

  const paced = input.minDurationMs > 0 || input.chaos !== undefined;
  // A paced run waits between batches: readers pause 1 ms per iteration instead of spinning a core.
  const readers = startReaders(cache, session.symbols, input.readers, paced ? 1 : 0);
  const chaosDone = input.chaos ? runChaos(input.chaos, t0, r.chaosTimeline) : null;
  const minDuration = Math.max(input.minDurationMs, input.chaos ? chaosSpanMs(input.chaos) + 2500 : 0);
  const sessionStart = performance.now();

  const ingest = async (ticks: readonly TickData[], bars: readonly OHLCV[]) => {
    const t = performance.now();
    // Retried while the store is unavailable (a restart takes seconds). Bars are upserts; ticks are an
    // append-only log, so a batch whose commit was lost with its answer could land twice (a window of one
    // commit acknowledgement; fills, which must never, carry ids).
    const again = () => {
      r.ingestRetries += 1;
    };
    for (const part of chunks(ticks, input.batchSize))
      r.ticks += await retryUnavailable(() => db.appendTicks(part), FILL_RETRY_MS, again);
    if (bars.length > 0)
      r.bars += await retryUnavailable(() => db.appendOhlcv(bars, "1m"), FILL_RETRY_MS, again);
    r.ingestMs += performance.now() - t;
  };

  const push = async (ticks: readonly TickData[]) => {
    for (const part of chunks(ticks, input.pushConcurrency)) {
      await Promise.all(
        part.map(async (t) => {
          const data = priceToHash(priceQuoteFromTick(t, Date.now()));
          try {
            if (await cache.pushPrice(t.symbol, data)) r.pricesPushed += 1;
            else r.pricePushFailures += 1;
          } catch (err) {
            r.pricePushFailures += 1;
            if (r.pricePushFailures <= 1) note("pushPrice", err);
          }
        }),
      );
    }
  };

  /**
   * Books a fill exactly once: `applyFill` with the same fill until the store answers (a
   * `DataSourceUnavailableError` may hide a commit: the retry then comes back `duplicate: true`); the
   * manager's `applyFill` writes the booked position through the cache (versioned) in the same call.
   */
  const applyOne = async (f: Fill) => {
    const booking = bookableFill(f, { strategyTag: input.runTag, broker: "qts-replay" });
    const t = performance.now();
    let booked: FillResult;
    try {
      booked = await retryUnavailable(
        () => cache.applyFill(booking),
        FILL_RETRY_MS,
        () => {
          r.fillRetries += 1;
        },
      );
    } catch (err) {
      r.fillsRejected += 1;
      note(`applyFill(${booking.fillId})`, err);
      return;
    }
    r.ledgerAppended += 1;
    if (booked.duplicate) r.fillDuplicates += 1;
    r.fillsApplied += 1;
    r.fillLatency.add(performance.now() - t);
  };

  const applyFills = async (fills: readonly Fill[]) => {
    const t = performance.now();
    const bySymbol = new Map<string, Fill[]>();
    for (const f of fills) {
      const list = bySymbol.get(f.symbol);
      if (list === undefined) bySymbol.set(f.symbol, [f]);
      else list.push(f);
    }
    // One chain per symbol: fills of a symbol apply in order, symbols in parallel.
    await Promise.all(
      [...bySymbol.values()].map(async (list) => {
        for (const f of list) await applyOne(f);
      }),
    );
    r.fillMs += performance.now() - t;
  };

  progress.start("replay", session.tickCount, "ticks");
  let minute = 0;
  try {
    for (const batch of session.batches()) {
      await ingest(batch.ticks, batch.bars);
      await push(batch.ticks);
      await applyFills(batch.fills);
      minute += 1;
      progress.note(`circuit ${cache.circuitState}`);
      progress.update(r.ticks);
      // Pace the session when asked; otherwise pause 1 ms (a timer, not a microtask turn) so the reader
      // loops get their share between batches even on in-memory stores.
      const due =
        minDuration > 0 ? (minute / session.minutes) * minDuration - (performance.now() - sessionStart) : 1;
      if (due > 0) await sleep(due);
      else await yieldNow();
    }
    if (chaosDone) await chaosDone;
    if (input.waitForClosedMs !== undefined) {
      const deadline = performance.now() + input.waitForClosedMs;
      while (cache.circuitState !== "CLOSED" && performance.now() < deadline) await sleep(50);
    }
  } finally {
    progress.finish();
    r.readers = await readers.stop();
    if (chaosDone) await chaosDone.catch(() => undefined);
  }
  r.wallMs = performance.now() - sessionStart;

  // A Hybrid store writes its secondary in the background: let it catch up, then compare the two.
  if (isReconcilable(db)) {
    try {
      await db.drain(30_000);
    } catch (err) {
      note("drain", err);
    }
    const rep = await db.verifyConsistency();
    r.secondary = { consistent: rep.consistent, backlog: rep.backlog ?? 0 };
  }
  // Stats first: the check's own reads must not count.
  cache.publishMetrics?.();
  for (const type of CACHE_TYPES) r.cacheStats[type] = cache.getStats(type);
  r.circuitState = cache.circuitState;
  const check = await checkPositions(
    db,
    (s) => cache.getPosition(s),
    session.symbols,
    startBooks,
    input.runTag,
  );
  r.checks = check.checks;
  r.ledgerFills = check.ledgerFills;
  r.ledgerDuplicateFillIds = check.duplicateFillIds;
  unsubscribe?.();
  return r;
}
