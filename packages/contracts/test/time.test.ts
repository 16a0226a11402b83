import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  aggregateBars,
  aggregationSourceRange,
  bucketStartMs,
  DEFAULT_LEDGER_LIMIT,
  finerIntervals,
  INTERVAL_MS,
  INTERVALS,
  isInterval,
  MAX_LEDGER_LIMIT,
  ManualClock,
  normalizeLedgerQuery,
  type OHLCV,
  ohlcv,
  SystemClock,
  systemClock,
  validateInterval,
  validateTimeRange,
} from "../src/index.js";
import { expectValidation, RUNS } from "./helpers.js";

const MIN = 60_000;
const t = (iso: string) => new Date(iso);

describe("clocks", () => {
  it("ManualClock starts where told and only moves when told", () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.advance(250)).toBe(1_250);
    expect(clock.now()).toBe(1_250);
    clock.advance(0);
    expect(clock.now()).toBe(1_250);
    clock.set(5);
    expect(clock.now()).toBe(5);
    expect(new ManualClock().now()).toBe(0);
  });

  it("ManualClock rejects non-finite times and going backwards with advance", () => {
    expect(() => new ManualClock(Number.NaN)).toThrow(RangeError);
    const clock = new ManualClock(10);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => clock.set(Number.NaN)).toThrow(RangeError);
    expect(clock.now()).toBe(10);
  });

  it("SystemClock follows Date.now()", () => {
    const before = Date.now();
    const now = new SystemClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(systemClock).toBeInstanceOf(SystemClock);
  });
});

describe("intervals", () => {
  it("lists the seven intervals finest first with their lengths", () => {
    expect(INTERVALS).toEqual(["1m", "5m", "15m", "30m", "1h", "4h", "1d"]);
    expect(INTERVAL_MS).toEqual({
      "1m": MIN,
      "5m": 5 * MIN,
      "15m": 15 * MIN,
      "30m": 30 * MIN,
      "1h": 60 * MIN,
      "4h": 240 * MIN,
      "1d": 1440 * MIN,
    });
    expect(Object.isFrozen(INTERVALS)).toBe(true);
  });

  it("validateInterval defaults to 1d and rejects anything else", () => {
    expect(validateInterval(undefined)).toBe("1d");
    for (const i of INTERVALS) expect(validateInterval(i)).toBe(i);
    for (const bad of ["1w", "1M", "60m", "1D", "", null, 60]) {
      expect(isInterval(bad)).toBe(false);
      expectValidation(() => validateInterval(bad), "interval", bad);
    }
  });

  it("finerIntervals lists the finer intervals, finest first", () => {
    expect(finerIntervals("1m")).toEqual([]);
    expect(finerIntervals("5m")).toEqual(["1m"]);
    expect(finerIntervals("1h")).toEqual(["1m", "5m", "15m", "30m"]);
    expect(finerIntervals("1d")).toEqual(["1m", "5m", "15m", "30m", "1h", "4h"]);
  });

  it("bucketStartMs aligns to the UTC epoch", () => {
    expect(bucketStartMs(Date.parse("2024-05-01T13:47:12.345Z"), "1d")).toBe(
      Date.parse("2024-05-01T00:00:00Z"),
    );
    expect(bucketStartMs(Date.parse("2024-05-01T13:47:12.345Z"), "4h")).toBe(
      Date.parse("2024-05-01T12:00:00Z"),
    );
    expect(bucketStartMs(Date.parse("2024-05-01T13:47:12.345Z"), "15m")).toBe(
      Date.parse("2024-05-01T13:45:00Z"),
    );
    expect(bucketStartMs(Date.parse("2024-05-01T13:45:00Z"), "15m")).toBe(Date.parse("2024-05-01T13:45:00Z"));
    expect(bucketStartMs(-1, "1m")).toBe(-MIN);
  });

  it("bucketStartMs: the bucket contains the time and starts on a multiple of the interval (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -8.64e15, max: 8.64e15 }),
        fc.constantFrom(...INTERVALS),
        (ms, interval) => {
          const start = bucketStartMs(ms, interval);
          expect(start).toBeLessThanOrEqual(ms);
          expect(ms - start).toBeLessThan(INTERVAL_MS[interval]);
          expect(Math.abs(start % INTERVAL_MS[interval])).toBe(0);
        },
      ),
      RUNS,
    );
  });
});

function bar(
  time: string,
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
  symbol = "A",
) {
  return ohlcv({ time, symbol, open, high, low, close, volume });
}

describe("aggregateBars", () => {
  it("open = first, close = last, high = max, low = min, volume = sum, per epoch-aligned bucket", () => {
    const bars = [
      bar("2024-05-01T00:04:00Z", 13, 14, 12, 12.5, 4),
      bar("2024-05-01T00:00:00Z", 10, 11, 9, 10.5, 1),
      bar("2024-05-01T00:05:00Z", 20, 21, 19, 20.5, 7),
      bar("2024-05-01T00:02:00Z", 10.5, 15, 8, 13, 2),
    ];
    const out = aggregateBars(bars, "5m");
    expect(out).toHaveLength(2);
    const [a, b] = out as [OHLCV, OHLCV];
    expect(a.time.toISOString()).toBe("2024-05-01T00:00:00.000Z");
    expect(a.open.toNumber()).toBe(10);
    expect(a.close.toNumber()).toBe(12.5);
    expect(a.high.toNumber()).toBe(15);
    expect(a.low.toNumber()).toBe(8);
    expect(a.volume).toBe(7);
    expect(a.symbol).toBe("A");
    expect(b.time.toISOString()).toBe("2024-05-01T00:05:00.000Z");
    expect(b.open.toNumber()).toBe(20);
    expect(b.volume).toBe(7);
    for (const o of out) expect(Object.isFrozen(o)).toBe(true);
    expect(bars[1]?.time.toISOString()).toBe("2024-05-01T00:00:00.000Z");
  });

  it("returns [] for no bars and keeps symbols apart", () => {
    expect(aggregateBars([], "1h")).toEqual([]);
    const out = aggregateBars(
      [bar("2024-05-01T00:01:00Z", 1, 1, 1, 1, 1, "B"), bar("2024-05-01T00:02:00Z", 2, 2, 2, 2, 2, "A")],
      "1h",
    );
    expect(out.map((o) => [o.symbol, o.volume])).toEqual([
      ["A", 2],
      ["B", 1],
    ]);
  });

  it("keeps exact decimals", () => {
    const out = aggregateBars(
      [
        ohlcv({ time: 0, symbol: "A", open: "0.1", high: "0.3", low: "0.1", close: "0.2", volume: 1 }),
        ohlcv({ time: MIN, symbol: "A", open: "0.2", high: "0.2", low: "1e-12", close: "0.1", volume: 1 }),
      ],
      "5m",
    );
    expect(out[0]?.low.toFixed()).toBe("0.000000000001");
    expect(out[0]?.close.toFixed()).toBe("0.1");
  });
});

describe("aggregationSourceRange", () => {
  it("rounds both ends up to bucket boundaries", () => {
    const r = aggregationSourceRange(t("2024-05-01T00:00:00Z"), t("2024-05-03T00:00:00Z"), "1d");
    expect(r).toEqual({ start: t("2024-05-01T00:00:00Z"), end: t("2024-05-03T00:00:00Z") });
    const r2 = aggregationSourceRange(t("2024-05-01T00:00:01Z"), t("2024-05-02T12:00:00Z"), "1d");
    expect(r2).toEqual({ start: t("2024-05-02T00:00:00Z"), end: t("2024-05-03T00:00:00Z") });
    const r3 = aggregationSourceRange(t("2024-05-01T10:30:00Z"), t("2024-05-01T10:30:00Z"), "1h");
    expect(r3.start.getTime()).toBe(r3.end.getTime());
  });
});

describe("validateTimeRange", () => {
  it("accepts start < end and start == end", () => {
    const r = validateTimeRange(t("2024-01-01T00:00:00Z"), "2024-01-02T00:00:00Z");
    expect(r.end.toISOString()).toBe("2024-01-02T00:00:00.000Z");
    expect(Object.isFrozen(r)).toBe(true);
    const same = validateTimeRange(0, 0);
    expect(same.start.getTime()).toBe(same.end.getTime());
  });

  it("rejects start > end and invalid times", () => {
    const start = t("2024-01-02T00:00:00Z");
    expectValidation(() => validateTimeRange(start, t("2024-01-01T00:00:00Z")), "start", start);
    const bad = new Date("x");
    expectValidation(() => validateTimeRange(bad, t("2024-01-01T00:00:00Z")), "start", bad);
    expectValidation(() => validateTimeRange(t("2024-01-01T00:00:00Z"), bad), "end", bad);
  });
});

describe("normalizeLedgerQuery", () => {
  it("applies defaults", () => {
    expect(normalizeLedgerQuery(undefined)).toEqual({ symbol: null, start: null, end: null, limit: 100 });
    expect(normalizeLedgerQuery({})).toEqual({
      symbol: null,
      start: null,
      end: null,
      limit: DEFAULT_LEDGER_LIMIT,
    });
    expect(DEFAULT_LEDGER_LIMIT).toBe(100);
    expect(MAX_LEDGER_LIMIT).toBe(10_000);
  });

  it("keeps valid fields (symbol trimmed, limits 1 and 10000)", () => {
    const q = normalizeLedgerQuery({
      symbol: " AAPL ",
      start: t("2024-01-01T00:00:00Z"),
      end: t("2024-01-01T00:00:00Z"),
      limit: 1,
    });
    expect(q.symbol).toBe("AAPL");
    expect(q.limit).toBe(1);
    expect(Object.isFrozen(q)).toBe(true);
    expect(normalizeLedgerQuery({ limit: 10_000 }).limit).toBe(10_000);
  });

  it.each([[0], [10_001], [-1], [1.5], [Number.NaN], ["10"]])("rejects limit %j", (limit) => {
    expectValidation(() => normalizeLedgerQuery({ limit: limit as never }), "limit", limit);
  });

  it("rejects a bad symbol, bad times and start > end", () => {
    expectValidation(() => normalizeLedgerQuery({ symbol: "" }), "symbol", "");
    const bad = new Date("x");
    expectValidation(() => normalizeLedgerQuery({ start: bad }), "start", bad);
    expectValidation(() => normalizeLedgerQuery({ end: bad }), "end", bad);
    const start = t("2024-01-02T00:00:00Z");
    expectValidation(() => normalizeLedgerQuery({ start, end: t("2024-01-01T00:00:00Z") }), "start", start);
    expectValidation(() => normalizeLedgerQuery("x" as never), "query", "x");
  });
});
