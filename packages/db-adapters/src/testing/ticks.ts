import { type TickData, tick } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { expectAscending, expectDecimal, expectInRange, expectValidationError } from "./expect-helpers.js";
import { at, DAY, HOUR, MINUTE, makeTicks, NASTY_STRINGS, plainAll, T0 } from "./fixtures.js";
import type { SuiteContext } from "./options.js";

const sortKey = (x: TickData) => `${x.time.toISOString()}|${x.price.toFixed()}|${x.volume}|${x.source}`;

export function tickChecks(ctx: SuiteContext): void {
  const t = ctx.options.timeoutMs;

  describe("ticks", () => {
    it("appendTicks returns the count; fetchTickData returns [start, end) ascending", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const ticks = makeTicks("AAPL", T0, 50, 50 * 1000);
      expect(await a.appendTicks([...ticks].reverse())).toBe(50);
      const got = await a.fetchTickData("AAPL", at(T0 + 10_000), at(T0 + 20_000));
      expect(plainAll(got)).toEqual(plainAll(ticks.slice(10, 20)));
      expectAscending(got);
      expect(await a.fetchTickData("AAPL", at(T0 + 10_000), at(T0 + 10_000))).toEqual([]);
      expect(await a.fetchTickData("MSFT", at(T0), at(T0 + DAY))).toEqual([]);
      expect(await a.fetchTickData(" AAPL ", at(T0), at(T0 + DAY))).toHaveLength(50);
    });

    it("ticks are an append-only log: duplicates are kept", { timeout: t }, async () => {
      const a = ctx.adapter();
      const ticks = makeTicks("DUP", T0, 5, 5000);
      await a.appendTicks(ticks);
      expect(await a.appendTicks(ticks)).toBe(5);
      const got = await a.fetchTickData("DUP", at(T0), at(T0 + HOUR));
      expect(got).toHaveLength(10);
      expect(got.map(sortKey).sort()).toEqual([...ticks, ...ticks].map(sortKey).sort());
    });

    it("bid/ask null, decimals and the source string round-trip exactly", { timeout: t }, async () => {
      const a = ctx.adapter();
      const written = NASTY_STRINGS.map((source, i) =>
        tick({
          time: T0 + i * 1000,
          symbol: "RT",
          price: i % 2 === 0 ? "12345678901234567890.123456789" : "0.1",
          volume: i === 0 ? Number.MAX_SAFE_INTEGER : i,
          bid: i % 3 === 0 ? null : "1e-12",
          ask: i % 3 === 1 ? null : "0.000001",
          source,
        }),
      );
      await a.appendTicks(written);
      const got = await a.fetchTickData("RT", at(T0), at(T0 + HOUR));
      expect(plainAll(got)).toEqual(plainAll(written));
      expect(got[0]!.bid).toBeNull();
      expectDecimal(got[1]!.bid, "1e-12", "bid");
      expect(got[1]!.ask).toBeNull();
      expect(got[0]!.volume).toBe(Number.MAX_SAFE_INTEGER);
    });

    it("a bulk batch over two days is stored whole and read back in order", {
      timeout: Math.max(t, 120_000),
    }, async () => {
      const a = ctx.adapter();
      const n = ctx.options.sizes.bulkTicks;
      const ticks = makeTicks("BULK", T0 + 13 * HOUR, n, 2 * DAY, 17);
      const other = makeTicks("OTHER", T0 + 13 * HOUR, 10, 2 * DAY, 18);
      expect(await a.appendTicks(ticks)).toBe(n);
      await a.appendTicks(other);
      const all = await a.fetchTickData("BULK", at(T0), at(T0 + 4 * DAY));
      expect(all).toHaveLength(n);
      expectAscending(all);
      expect(all.map(sortKey)).toEqual(ticks.map(sortKey));
      const s = T0 + DAY;
      const e = T0 + DAY + 6 * HOUR + 7 * MINUTE;
      const slice = await a.fetchTickData("BULK", at(s), at(e));
      expect(slice).toHaveLength(ticks.filter((x) => x.time.getTime() >= s && x.time.getTime() < e).length);
      expectInRange(slice, s, e);
    });

    it("bad ticks and bad queries are rejected with ValidationError and nothing is written", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const good = makeTicks("BAD", T0, 3, 3000);
      const broken: unknown[] = [
        { ...good[1]!, price: "-1" },
        { ...good[1]!, bid: "-0.5" },
        { ...good[1]!, volume: -3 },
        { ...good[1]!, symbol: "A\u0000B" },
        { ...good[1]!, time: "not a date" },
        { ...good[1]!, source: 7 },
        "tick",
      ];
      for (const b of broken)
        await expectValidationError(() => a.appendTicks([good[0]!, b as TickData, good[2]!]));
      await expectValidationError(() => a.appendTicks(null as unknown as TickData[]));
      expect(await a.fetchTickData("BAD", at(T0 - DAY), at(T0 + DAY))).toEqual([]);
      await expectValidationError(() => a.fetchTickData("BAD", at(T0 + 1), at(T0)));
      await expectValidationError(() => a.fetchTickData("", at(T0), at(T0 + 1)));
      await expectValidationError(() => a.fetchTickData("BAD", at(T0), new Date(Number.NaN)));
      expect(await a.appendTicks([])).toBe(0);
    });
  });
}
