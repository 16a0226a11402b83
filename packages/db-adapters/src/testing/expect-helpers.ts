import {
  DataSourceError,
  DataSourceUnavailableError,
  Decimal,
  type OHLCV,
  ValidationError,
} from "@qts/contracts";
import { expect } from "vitest";

/** Exact decimal equality with a readable failure message. */
export function expectDecimal(actual: unknown, expected: Decimal.Value, what = "value"): void {
  expect(Decimal.isDecimal(actual), `${what} should be a Decimal, got ${typeof actual}`).toBe(true);
  const a = actual as Decimal;
  const e = new Decimal(expected);
  expect(a.eq(e), `${what}: expected ${e.toFixed()} but got ${a.toFixed()}`).toBe(true);
}

/** The promise rejects with a `ValidationError` (the class from `@qts/contracts`). */
export async function expectValidationError(
  promise: Promise<unknown> | (() => Promise<unknown>),
): Promise<void> {
  const p = typeof promise === "function" ? run(promise) : promise;
  const error = await p.then(
    (value) => new Error(`expected a ValidationError, but the call resolved to ${String(value)}`),
    (e: unknown) => e,
  );
  if (!(error instanceof ValidationError)) {
    throw new Error(`expected a ValidationError, got ${describe(error)}`, { cause: error });
  }
}

/** The promise rejects with a `DataSourceUnavailableError`. */
export async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => new Error("expected a DataSourceUnavailableError, but the call resolved"),
    (e: unknown) => e,
  );
  if (!(error instanceof DataSourceUnavailableError)) {
    throw new Error(`expected a DataSourceUnavailableError, got ${describe(error)}`, { cause: error });
  }
  expect(error).toBeInstanceOf(DataSourceError);
}

/** Calls `fn` so that a synchronous throw becomes a rejection (adapters may validate synchronously). */
function run(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Ascending (non-decreasing) by time. */
export function expectAscending(records: readonly { time: Date }[]): void {
  for (let i = 1; i < records.length; i++) {
    const prev = records[i - 1]!.time.getTime();
    const cur = records[i]!.time.getTime();
    if (cur < prev) throw new Error(`records not ascending at index ${i}: ${prev} > ${cur}`);
  }
}

/** Every record's time lies in `[start, end)`. */
export function expectInRange(records: readonly { time: Date }[], start: number, end: number): void {
  for (const r of records) {
    const t = r.time.getTime();
    if (t < start || t >= end) {
      throw new Error(
        `record at ${r.time.toISOString()} outside [${new Date(start).toISOString()}, ${new Date(end).toISOString()})`,
      );
    }
  }
}

/** Bars compared exactly (Decimal digits, times, volumes). */
export function barKey(b: OHLCV): string {
  return [
    b.time.toISOString(),
    b.symbol,
    b.open.toFixed(),
    b.high.toFixed(),
    b.low.toFixed(),
    b.close.toFixed(),
    String(b.volume),
  ].join(" ");
}
