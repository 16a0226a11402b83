import { aggregateBars, type Interval, type OHLCV, ohlcv } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { barKey, expectAscending, expectDecimal, expectValidationError } from "./expect-helpers.js";
import { at, DAY, HOUR, MINUTE, makeBars, T0 } from "./fixtures.js";
import type { SuiteContext } from "./options.js";

const keys = (bars: readonly OHLCV[]) => bars.map(barKey);

function bar(
  time: number,
  open: string,
  high: string,
  low: string,
  close: string,
  volume: number,
  symbol = "AGG",
) {
  return ohlcv({ time, symbol, open, high, low, close, volume });
}

export function barChecks(ctx: SuiteContext): void {
  const t = ctx.options.timeoutMs;

  describe("ohlcv", () => {
    it("appendOhlcv returns the count; fetchOhlcv returns [start, end) ascending", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const bars = makeBars("AAPL", T0, 30, MINUTE);
      const shuffled = [...bars].reverse();
      expect(await a.appendOhlcv(shuffled, "1m")).toBe(30);
      const got = await a.fetchOhlcv("AAPL", at(T0 + 5 * MINUTE), at(T0 + 15 * MINUTE), "1m");
      expect(keys(got)).toEqual(keys(bars.slice(5, 15)));
      expectAscending(got);
      expect(await a.fetchOhlcv("AAPL", at(T0 + 5 * MINUTE), at(T0 + 5 * MINUTE), "1m")).toEqual([]);
      expect(keys(await a.fetchOhlcv(" AAPL ", at(T0 + 29 * MINUTE), at(T0 + DAY), "1m"))).toEqual(
        keys(bars.slice(29)),
      );
      expect(await a.fetchOhlcv("MSFT", at(T0), at(T0 + DAY), "1m")).toEqual([]);
    });

    it("the default interval is 1d for writes and reads", { timeout: t }, async () => {
      const a = ctx.adapter();
      const days = makeBars("SPY", T0, 5, DAY);
      expect(await a.appendOhlcv(days)).toBe(5);
      expect(keys(await a.fetchOhlcv("SPY", at(T0 + DAY), at(T0 + 3 * DAY)))).toEqual(keys(days.slice(1, 3)));
      expect(keys(await a.fetchOhlcv("SPY", at(T0), at(T0 + 10 * DAY), "1d"))).toEqual(keys(days));
    });

    it("bars upsert on (symbol, interval, time): re-ingest is idempotent, the last write wins", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const bars = makeBars("QQQ", T0, 10, MINUTE);
      await a.appendOhlcv(bars, "1m");
      expect(await a.appendOhlcv(bars, "1m")).toBe(10);
      expect(keys(await a.fetchOhlcv("QQQ", at(T0), at(T0 + HOUR), "1m"))).toEqual(keys(bars));
      const changed = bar(T0 + 3 * MINUTE, "1", "9", "0.5", "2", 77, "QQQ");
      expect(await a.appendOhlcv([changed], "1m")).toBe(1);
      const after = await a.fetchOhlcv("QQQ", at(T0), at(T0 + HOUR), "1m");
      expect(after).toHaveLength(10);
      expect(barKey(after[3]!)).toBe(barKey(changed));
      // the same time under another interval is a different bar
      await a.appendOhlcv([changed], "5m");
      expect(await a.fetchOhlcv("QQQ", at(T0), at(T0 + HOUR), "1m")).toHaveLength(10);
      expect(keys(await a.fetchOhlcv("QQQ", at(T0), at(T0 + HOUR), "5m"))).toEqual([barKey(changed)]);
    });

    it("aggregates finer bars: open first, close last, high max, low min, volume sum", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      await a.appendOhlcv(
        [
          bar(T0 + 0 * MINUTE, "10", "12", "9", "11", 100),
          bar(T0 + 1 * MINUTE, "11", "15", "10.5", "14", 200),
          bar(T0 + 2 * MINUTE, "14", "14.5", "8.25", "9", 300),
          bar(T0 + 4 * MINUTE, "9", "10", "9", "9.75", 400),
          bar(T0 + 5 * MINUTE, "20", "21", "19", "20.5", 5),
        ],
        "1m",
      );
      const got = await a.fetchOhlcv("AGG", at(T0), at(T0 + 10 * MINUTE), "5m");
      expect(keys(got)).toEqual([
        barKey(bar(T0, "10", "15", "8.25", "9.75", 1000)),
        barKey(bar(T0 + 5 * MINUTE, "20", "21", "19", "20.5", 5)),
      ]);
      expectDecimal(got[0]!.low, "8.25", "low");
      const hour = await a.fetchOhlcv("AGG", at(T0), at(T0 + HOUR), "1h");
      expect(keys(hour)).toEqual([barKey(bar(T0, "10", "21", "8.25", "20.5", 1005))]);
    });

    it("aggregated buckets are aligned to the UTC epoch; a bucket counts when its start is in [start, end)", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const bars = makeBars("ALN", T0 + 3 * MINUTE, 40, MINUTE); // 00:03 .. 00:42
      await a.appendOhlcv(bars, "1m");
      // [00:02, 00:13): buckets 00:05 and 00:10 start inside; each aggregates its whole bucket (00:10..00:14).
      const got = await a.fetchOhlcv("ALN", at(T0 + 2 * MINUTE), at(T0 + 13 * MINUTE), "5m");
      const expected = aggregateBars(
        bars.filter((b) => b.time.getTime() >= T0 + 5 * MINUTE && b.time.getTime() < T0 + 15 * MINUTE),
        "5m",
      );
      expect(keys(got)).toEqual(keys(expected));
      expect(got.map((b) => b.time.getTime())).toEqual([T0 + 5 * MINUTE, T0 + 10 * MINUTE]);
      // [00:00, 01:00) at 15m: the first bucket (00:00) holds bars from 00:03 only.
      const q = await a.fetchOhlcv("ALN", at(T0), at(T0 + HOUR), "15m");
      expect(q.map((b) => b.time.getTime())).toEqual([T0, T0 + 15 * MINUTE, T0 + 30 * MINUTE]);
      expect(barKey(q[0]!)).toBe(barKey(aggregateBars(bars.slice(0, 12), "15m")[0]!));
    });

    it("bulk 1m bars aggregate to every coarser interval like the reference", {
      timeout: Math.max(t, 120_000),
    }, async () => {
      const a = ctx.adapter();
      const n = ctx.options.sizes.bulkBars;
      const step = Math.max(1, Math.ceil((3 * 1440) / n)); // about three days whatever the size
      const bars = makeBars("BULK", T0 - 7 * MINUTE, n, step * MINUTE, 3);
      expect(await a.appendOhlcv(bars, "1m")).toBe(n);
      const start = T0 - 7 * MINUTE;
      const end = start + n * step * MINUTE;
      const stored = await a.fetchOhlcv("BULK", at(start), at(end), "1m");
      expect(stored).toHaveLength(n);
      expect(keys(stored)).toEqual(keys(bars));
      for (const iv of ["5m", "15m", "30m", "1h", "4h", "1d"] as const satisfies readonly Interval[]) {
        const qs = T0 + 2 * HOUR + 3 * MINUTE;
        const qe = T0 + DAY + 17 * HOUR + 1;
        const got = await a.fetchOhlcv("BULK", at(qs), at(qe), iv);
        const size = { "5m": 5, "15m": 15, "30m": 30, "1h": 60, "4h": 240, "1d": 1440 }[iv] * MINUTE;
        const from = Math.ceil(qs / size) * size;
        const to = Math.ceil(qe / size) * size;
        const expected = aggregateBars(
          bars.filter((b) => b.time.getTime() >= from && b.time.getTime() < to),
          iv,
        );
        expect(keys(got), `interval ${iv}`).toEqual(keys(expected));
        expectAscending(got);
      }
      const days = await a.fetchOhlcv("BULK", at(T0 - DAY), at(T0 + 5 * DAY), "1d");
      expect(days.map((d) => d.time.getTime() % DAY)).toEqual(days.map(() => 0));
      expect(days.reduce((s, d) => s + d.volume, 0)).toBe(bars.reduce((s, b) => s + b.volume, 0));
    });

    it("stored bars of the interval win; otherwise the finest finer interval with bars is used", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const ones = makeBars("PRF", T0, 60, MINUTE, 5);
      const fives = makeBars("PRF", T0, 12, 5 * MINUTE, 9); // disagree with the 1m bars on purpose
      const hour = bar(T0, "1", "2", "0.5", "1.5", 1, "PRF");
      await a.appendOhlcv(ones, "1m");
      await a.appendOhlcv(fives, "5m");
      expect(keys(await a.fetchOhlcv("PRF", at(T0), at(T0 + HOUR), "5m"))).toEqual(keys(fives));
      expect(keys(await a.fetchOhlcv("PRF", at(T0), at(T0 + HOUR), "15m"))).toEqual(
        keys(aggregateBars(ones, "15m")),
      );
      await a.appendOhlcv([hour], "1h");
      expect(keys(await a.fetchOhlcv("PRF", at(T0), at(T0 + HOUR), "1h"))).toEqual([barKey(hour)]);
      // only 5m bars for another symbol: 30m comes from them
      const only5 = makeBars("P5", T0, 12, 5 * MINUTE, 4);
      await a.appendOhlcv(only5, "5m");
      expect(keys(await a.fetchOhlcv("P5", at(T0), at(T0 + HOUR), "30m"))).toEqual(
        keys(aggregateBars(only5, "30m")),
      );
      expect(await a.fetchOhlcv("P5", at(T0), at(T0 + HOUR), "1m")).toEqual([]);
    });

    it("decimals round-trip exactly in bars", { timeout: t }, async () => {
      const a = ctx.adapter();
      const b = bar(
        T0,
        "0.1",
        "12345678901234567890.123456789",
        "1e-12",
        "0.000001",
        Number.MAX_SAFE_INTEGER,
        "DEC",
      );
      await a.appendOhlcv([b], "1h");
      const [got] = await a.fetchOhlcv("DEC", at(T0), at(T0 + HOUR), "1h");
      expectDecimal(got!.open, "0.1", "open");
      expectDecimal(got!.high, "12345678901234567890.123456789", "high");
      expectDecimal(got!.low, "1e-12", "low");
      expectDecimal(got!.close, "0.000001", "close");
      expect(got!.volume).toBe(Number.MAX_SAFE_INTEGER);
    });

    it("bad bars and bad queries are rejected with ValidationError and nothing is written", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const good = makeBars("BAD", T0, 3, MINUTE);
      const broken: unknown[] = [
        { ...good[1]!, low: good[1]!.high.plus(1) },
        { ...good[1]!, symbol: "" },
        { ...good[1]!, volume: -1 },
        { ...good[1]!, volume: 1.5 },
        { ...good[1]!, time: new Date(Number.NaN) },
        { ...good[1]!, open: "NaN" },
        null,
      ];
      for (const b of broken)
        await expectValidationError(() => a.appendOhlcv([good[0]!, b as OHLCV, good[2]!], "1m"));
      await expectValidationError(() => a.appendOhlcv(good, "2m" as Interval));
      await expectValidationError(() => a.appendOhlcv("bars" as unknown as OHLCV[], "1m"));
      expect(await a.fetchOhlcv("BAD", at(T0 - DAY), at(T0 + DAY), "1m")).toEqual([]);
      await expectValidationError(() => a.fetchOhlcv("BAD", at(T0 + 1), at(T0), "1m"));
      await expectValidationError(() => a.fetchOhlcv("BAD", at(T0), at(T0 + 1), "7m" as Interval));
      await expectValidationError(() => a.fetchOhlcv("", at(T0), at(T0 + 1), "1m"));
      await expectValidationError(() => a.fetchOhlcv("BAD", new Date(Number.NaN), at(T0), "1m"));
      expect(await a.appendOhlcv([], "1m")).toBe(0);
    });
  });
}
