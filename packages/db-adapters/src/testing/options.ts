import type { DataSourceAdapter, Position } from "@qts/contracts";

/** Data sizes of the bulk tests. */
export interface ConformanceSizes {
  /** Ticks written and read back in one `appendTicks` call (default 5000). */
  bulkTicks: number;
  /** 1m bars written in one `appendOhlcv` call and aggregated (default 3 days = 4320). */
  bulkBars: number;
  /** Writes issued at once by the concurrency tests (default 20). */
  concurrentWrites: number;
  /** Random fill sequences (two symbols, 12..24 fills each) booked by the applyFill property test (default 8). */
  fillRuns: number;
}

export const DEFAULT_SIZES: ConformanceSizes = Object.freeze({
  bulkTicks: 5000,
  bulkBars: 3 * 1440,
  concurrentWrites: 20,
  fillRuns: 8,
});

export interface DataSourceConformanceOptions {
  /**
   * Multiplies the default bulk sizes (default 1). A slow store (a spreadsheet) may pass e.g. 0.05: every
   * semantic check still runs, only with less data. Sizes never drop below what a check needs.
   */
  scale?: number | undefined;
  /** Explicit sizes; win over `scale`. */
  sizes?: Partial<ConformanceSizes> | undefined;
  /** Per-test timeout in ms (default 30000). */
  timeoutMs?: number | undefined;
  /**
   * Writes a whole position (market, exposures, unrealizedPnl) so the suite can check that `updatePosition`
   * keeps the other fields. Default: the adapter's own `putPosition(p)` when it has one; without either,
   * the check runs with the default field values only.
   */
  seedPosition?: ((adapter: DataSourceAdapter, p: Position) => Promise<unknown>) | undefined;
  /** Called after each test, after `close()`, e.g. to drop a schema or a spreadsheet. */
  teardown?: ((adapter: DataSourceAdapter) => Promise<unknown> | unknown) | undefined;
  /**
   * `updatedAt` must lie within this many ms of the wall clock around the call (default 120000);
   * `null` skips the wall-clock comparison (for an adapter driven by a manual clock). Monotonicity is
   * always checked.
   */
  updatedAtToleranceMs?: number | null | undefined;
  /**
   * Whether the adapter books fills (default true). `false` for one that does not support `applyFill` yet
   * (the Sheets adapter): the suite then checks that `applyFill` still validates its input and otherwise
   * rejects with `DataSourceError`, writing nothing.
   */
  applyFill?: boolean | undefined;
}

export interface ResolvedConformanceOptions {
  readonly sizes: ConformanceSizes;
  readonly timeoutMs: number;
  readonly seedPosition: DataSourceConformanceOptions["seedPosition"];
  readonly teardown: DataSourceConformanceOptions["teardown"];
  readonly updatedAtToleranceMs: number | null;
  readonly applyFill: boolean;
}

const MIN_SIZES: ConformanceSizes = { bulkTicks: 20, bulkBars: 120, concurrentWrites: 5, fillRuns: 2 };

export function resolveOptions(options: DataSourceConformanceOptions = {}): ResolvedConformanceOptions {
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`conformance: scale must be > 0 (got ${scale})`);
  const sized = (key: keyof ConformanceSizes): number =>
    Math.max(MIN_SIZES[key], Math.round(options.sizes?.[key] ?? DEFAULT_SIZES[key] * scale));
  return Object.freeze({
    sizes: Object.freeze({
      bulkTicks: sized("bulkTicks"),
      bulkBars: sized("bulkBars"),
      concurrentWrites: sized("concurrentWrites"),
      fillRuns: sized("fillRuns"),
    }),
    timeoutMs: options.timeoutMs ?? 30_000,
    seedPosition: options.seedPosition,
    teardown: options.teardown,
    updatedAtToleranceMs: options.updatedAtToleranceMs === undefined ? 120_000 : options.updatedAtToleranceMs,
    applyFill: options.applyFill ?? true,
  });
}

/** What each group of checks receives: the current test's adapter and the resolved options. */
export interface SuiteContext {
  adapter(): DataSourceAdapter;
  readonly options: ResolvedConformanceOptions;
}
