import { Decimal, isPositionWriter, position } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { expectDecimal, expectValidationError } from "./expect-helpers.js";
import { EXACT_DECIMALS, NASTY_SYMBOLS, plainAll } from "./fixtures.js";
import type { SuiteContext } from "./options.js";

/** Code-unit order (PostgreSQL `COLLATE "C"` gives the same for these BMP symbols). */
function codeUnitSort(symbols: readonly string[]): string[] {
  return [...symbols].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function positionChecks(ctx: SuiteContext): void {
  const t = ctx.options.timeoutMs;

  describe("positions", () => {
    it("an empty store has no positions", { timeout: t }, async () => {
      const a = ctx.adapter();
      expect(await a.fetchPositions()).toEqual([]);
      expect(await a.fetchPosition("AAPL")).toBeNull();
    });

    it("updatePosition inserts, resolves true, and fetchPosition returns it", { timeout: t }, async () => {
      const a = ctx.adapter();
      const before = Date.now();
      expect(await a.updatePosition("AAPL", "10", "150.25")).toBe(true);
      const after = Date.now();
      const p = await a.fetchPosition("AAPL");
      expect(p).not.toBeNull();
      expect(p!.symbol).toBe("AAPL");
      expectDecimal(p!.qty, "10", "qty");
      expectDecimal(p!.avgPrice, "150.25", "avgPrice");
      expect(p!.market).toBe("");
      expectDecimal(p!.exposureValue, 0, "exposureValue");
      expectDecimal(p!.exposurePct, 0, "exposurePct");
      expectDecimal(p!.unrealizedPnl, 0, "unrealizedPnl");
      expect(p!.updatedAt).toBeInstanceOf(Date);
      expect(Number.isNaN(p!.updatedAt!.getTime())).toBe(false);
      const tol = ctx.options.updatedAtToleranceMs;
      if (tol !== null) {
        expect(p!.updatedAt!.getTime()).toBeGreaterThanOrEqual(before - tol);
        expect(p!.updatedAt!.getTime()).toBeLessThanOrEqual(after + tol);
      }
      expect(await a.fetchPositions()).toHaveLength(1);
    });

    it("updatePosition upserts: a second call replaces qty and avgPrice and moves updatedAt forward", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      await a.updatePosition("MSFT", 5, 300);
      const first = await a.fetchPosition("MSFT");
      await new Promise((r) => setTimeout(r, 5));
      expect(await a.updatePosition("MSFT", new Decimal("7.5"), "310.125")).toBe(true);
      const second = await a.fetchPosition("MSFT");
      expectDecimal(second!.qty, "7.5", "qty");
      expectDecimal(second!.avgPrice, "310.125", "avgPrice");
      expect(second!.updatedAt!.getTime()).toBeGreaterThanOrEqual(first!.updatedAt!.getTime());
      expect(await a.fetchPositions()).toHaveLength(1);
    });

    it("updatePosition keeps the other fields of an existing position", { timeout: t }, async () => {
      const a = ctx.adapter();
      const full = position({
        symbol: "005930",
        qty: "100",
        avgPrice: "70000",
        market: "KRX",
        exposureValue: "7000000.5",
        exposurePct: "0.123456789",
        unrealizedPnl: "-12345.678",
        updatedAt: Date.UTC(2024, 0, 1),
      });
      let seeded = true;
      if (ctx.options.seedPosition) await ctx.options.seedPosition(a, full);
      else if (isPositionWriter(a)) await a.putPosition(full);
      else {
        seeded = false;
        await a.updatePosition(full.symbol, full.qty, full.avgPrice);
      }
      await a.updatePosition("005930", "150", "71000.5");
      const p = (await a.fetchPosition("005930"))!;
      expectDecimal(p.qty, "150", "qty");
      expectDecimal(p.avgPrice, "71000.5", "avgPrice");
      if (seeded) {
        expect(p.market).toBe("KRX");
        expectDecimal(p.exposureValue, "7000000.5", "exposureValue");
        expectDecimal(p.exposurePct, "0.123456789", "exposurePct");
        expectDecimal(p.unrealizedPnl, "-12345.678", "unrealizedPnl");
        expect(p.updatedAt!.getTime()).toBeGreaterThan(Date.UTC(2024, 0, 1));
      } else {
        expect(p.market).toBe("");
        expectDecimal(p.unrealizedPnl, 0, "unrealizedPnl");
      }
    });

    it("a qty of 0 keeps the row (flat), and a negative qty (short) is stored", { timeout: t }, async () => {
      const a = ctx.adapter();
      await a.updatePosition("FLAT", 10, 100);
      expect(await a.updatePosition("FLAT", 0, 100)).toBe(true);
      await a.updatePosition("SHORT", "-25.5", "42");
      const flat = await a.fetchPosition("FLAT");
      expect(flat).not.toBeNull();
      expectDecimal(flat!.qty, 0, "qty");
      expectDecimal((await a.fetchPosition("SHORT"))!.qty, "-25.5", "qty");
      expect((await a.fetchPositions()).map((p) => p.symbol)).toEqual(["FLAT", "SHORT"]);
    });

    it("fetchPositions is ordered by symbol (code-unit order)", { timeout: t }, async () => {
      const a = ctx.adapter();
      const symbols = ["b", "B", "a", "Z", "ä", "_x", "10", "9", "AAPL", "AAP", "aapl", "é"];
      for (const s of symbols) await a.updatePosition(s, 1, 1);
      expect((await a.fetchPositions()).map((p) => p.symbol)).toEqual(codeUnitSort(symbols));
    });

    it("symbols are trimmed on write and on read", { timeout: t }, async () => {
      const a = ctx.adapter();
      await a.updatePosition("  TSLA  ", 3, 200);
      expect((await a.fetchPositions()).map((p) => p.symbol)).toEqual(["TSLA"]);
      expect((await a.fetchPosition(" TSLA "))?.symbol).toBe("TSLA");
    });

    it("decimals round-trip exactly", { timeout: t }, async () => {
      const a = ctx.adapter();
      for (const [i, d] of EXACT_DECIMALS.entries())
        await a.updatePosition(`D${i}`, d, "12345678901234567890.123456789");
      await a.updatePosition("PRICE", "1", "1e-12");
      for (const [i, d] of EXACT_DECIMALS.entries()) {
        const p = (await a.fetchPosition(`D${i}`))!;
        expectDecimal(p.qty, d, `qty ${d}`);
        expectDecimal(p.avgPrice, "12345678901234567890.123456789", "avgPrice");
      }
      expectDecimal((await a.fetchPosition("PRICE"))!.avgPrice, "1e-12", "avgPrice");
    });

    it("symbols that look like SQL, formulas or emoji are stored verbatim", { timeout: t }, async () => {
      const a = ctx.adapter();
      for (const s of NASTY_SYMBOLS) await a.updatePosition(s, 1, "2.5");
      const all = await a.fetchPositions();
      expect(all.map((p) => p.symbol).sort()).toEqual([...NASTY_SYMBOLS].sort());
      for (const s of NASTY_SYMBOLS) expect((await a.fetchPosition(s))?.symbol).toBe(s);
    });

    it("bad input is rejected with ValidationError and nothing is written", { timeout: t }, async () => {
      const a = ctx.adapter();
      await a.updatePosition("KEEP", 1, 10);
      const before = plainAll(await a.fetchPositions());
      const bad: [unknown, unknown, unknown][] = [
        ["", 1, 1],
        ["   ", 1, 1],
        ["X".repeat(65), 1, 1],
        ["BAD\nSYM", 1, 1],
        [42, 1, 1],
        ["NAN", Number.NaN, 1],
        ["INF", Number.POSITIVE_INFINITY, 1],
        ["TEXT", "abc", 1],
        ["NEGPRICE", 1, -1],
        ["KEEP", 2, "-0.01"],
        ["KEEP", "1e", 10],
      ];
      for (const [s, q, p] of bad) {
        await expectValidationError(() =>
          a.updatePosition(s as string, q as Decimal.Value, p as Decimal.Value),
        );
      }
      await expectValidationError(() => a.fetchPosition(""));
      expect(plainAll(await a.fetchPositions())).toEqual(before);
    });

    it("concurrent updates of different symbols all land", { timeout: t }, async () => {
      const a = ctx.adapter();
      const n = ctx.options.sizes.concurrentWrites;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => a.updatePosition(`C${String(i).padStart(3, "0")}`, i + 1, "1.5")),
      );
      expect(results.every((r) => r === true)).toBe(true);
      const all = await a.fetchPositions();
      expect(all).toHaveLength(n);
      expectDecimal(all[n - 1]!.qty, n, "qty");
    });
  });
}
