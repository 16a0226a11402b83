import { ValidationError } from "./errors.js";

/** Bar intervals, finest first. */
export const INTERVALS = Object.freeze(["1m", "5m", "15m", "30m", "1h", "4h", "1d"] as const);
export type Interval = (typeof INTERVALS)[number];

/** Length of each interval in milliseconds. */
export const INTERVAL_MS: Readonly<Record<Interval, number>> = Object.freeze({
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "30m": 1_800_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
});

export const DEFAULT_INTERVAL: Interval = "1d";

export function isInterval(value: unknown): value is Interval {
  return typeof value === "string" && (INTERVALS as readonly string[]).includes(value);
}

/** `undefined` → the default `"1d"`; anything not in `INTERVALS` → `ValidationError`. */
export function validateInterval(value: unknown, field = "interval"): Interval {
  if (value === undefined) return DEFAULT_INTERVAL;
  if (!isInterval(value)) throw new ValidationError(field, value, `must be one of ${INTERVALS.join(", ")}`);
  return value;
}

/** Start of the UTC-epoch-aligned bucket of `interval` containing `epochMs`. */
export function bucketStartMs(epochMs: number, interval: Interval): number {
  const size = INTERVAL_MS[interval];
  return Math.floor(epochMs / size) * size;
}

/** Intervals finer than `interval` that divide it evenly (every finer interval here does), finest first. */
export function finerIntervals(interval: Interval): Interval[] {
  return INTERVALS.filter(
    (i) => INTERVAL_MS[i] < INTERVAL_MS[interval] && INTERVAL_MS[interval] % INTERVAL_MS[i] === 0,
  );
}
