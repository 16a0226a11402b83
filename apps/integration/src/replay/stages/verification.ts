import {
  CACHE_TYPES,
  type CacheStats,
  type DataSourceAdapter,
  isReconcilable,
  type Position,
} from "@qts/contracts";
import { checkPositions, type PositionCheck } from "../ledger-check.js";
import type { ReplayCache } from "../types.js";
import type { ErrorNotes } from "./notes.js";

/** Each symbol's position before the run (a reused schema may already hold some): the check starts from these. */
export async function startingPositions(
  db: DataSourceAdapter,
  symbols: readonly string[],
): Promise<Map<string, Position | null>> {
  const books = new Map<string, Position | null>();
  for (const symbol of symbols) books.set(symbol, await db.fetchPosition(symbol));
  return books;
}

export interface VerificationInput {
  readonly db: DataSourceAdapter;
  readonly cache: ReplayCache;
  readonly symbols: readonly string[];
  readonly startBooks: ReadonlyMap<string, Position | null>;
  /** The strategyTag of this run's ledger entries: the check only counts those. */
  readonly runTag: string;
  readonly notes: ErrorNotes;
}

/** What the verification found after the session. */
export interface VerificationResult {
  /** A Hybrid store: whether its secondary matches the primary after the run (null for other stores). */
  secondary: { consistent: boolean; backlog: number } | null;
  cacheStats: Record<string, CacheStats>;
  circuitState: string;
  checks: PositionCheck[];
  /** This run's ledger entries found. */
  ledgerFills: number;
  /** Fill ids found on more than one ledger row of this run (must be 0: no fill twice). */
  ledgerDuplicateFillIds: number;
}

/**
 * After the session: lets a Hybrid store's secondary catch up and compares the two, takes the cache stats and
 * the circuit state (before the check, whose own reads must not count), then recomputes every position from
 * the ledger and compares it with the store and the cache.
 */
export async function verifyRun(input: VerificationInput): Promise<VerificationResult> {
  const { db, cache } = input;
  let secondary: VerificationResult["secondary"] = null;
  if (isReconcilable(db)) {
    try {
      await db.drain(30_000);
    } catch (err) {
      input.notes.note("drain", err);
    }
    const rep = await db.verifyConsistency();
    secondary = { consistent: rep.consistent, backlog: rep.backlog ?? 0 };
  }
  cache.publishMetrics?.();
  const cacheStats: Record<string, CacheStats> = {};
  for (const type of CACHE_TYPES) cacheStats[type] = cache.getStats(type);
  const circuitState = cache.circuitState;
  const check = await checkPositions(
    db,
    (s) => cache.getPosition(s),
    input.symbols,
    input.startBooks,
    input.runTag,
  );
  return {
    secondary,
    cacheStats,
    circuitState,
    checks: check.checks,
    ledgerFills: check.ledgerFills,
    ledgerDuplicateFillIds: check.duplicateFillIds,
  };
}
