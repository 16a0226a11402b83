import { Decimal, type LedgerEntry } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { expectDecimal, expectValidationError } from "./expect-helpers.js";
import {
  at,
  HOUR,
  MINUTE,
  makeEntry,
  NASTY_STRINGS,
  NASTY_SYMBOLS,
  plainAll,
  T0,
  withoutId,
} from "./fixtures.js";
import type { SuiteContext } from "./options.js";

export function ledgerChecks(ctx: SuiteContext): void {
  const t = ctx.options.timeoutMs;

  describe("ledger", () => {
    it("appendLedger resolves true and the store assigns a positive integer id", { timeout: t }, async () => {
      const a = ctx.adapter();
      const entry = makeEntry();
      expect(await a.appendLedger(entry)).toBe(true);
      const [stored, ...rest] = await a.fetchLedger();
      expect(rest).toEqual([]);
      expect(Number.isSafeInteger(stored!.id)).toBe(true);
      expect(stored!.id).toBeGreaterThan(0);
      expect(withoutId(stored!)).toEqual(withoutId(entry));
    });

    it("ids are distinct and grow with each append", { timeout: t }, async () => {
      const a = ctx.adapter();
      for (let i = 0; i < 5; i++) await a.appendLedger(makeEntry({ timestamp: T0, orderId: `o${i}` }));
      const stored = await a.fetchLedger();
      // Same timestamp: newest first means id descending, i.e. reverse append order.
      expect(stored.map((e) => e.orderId)).toEqual(["o4", "o3", "o2", "o1", "o0"]);
      const ids = stored.map((e) => e.id!);
      expect(new Set(ids).size).toBe(5);
      expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    });

    it("returns newest first: timestamp desc, then id desc", { timeout: t }, async () => {
      const a = ctx.adapter();
      const times = [T0 + 2 * MINUTE, T0, T0 + 5 * MINUTE, T0 + 2 * MINUTE, T0 + MINUTE];
      for (const [i, ts] of times.entries())
        await a.appendLedger(makeEntry({ timestamp: ts, orderId: `o${i}` }));
      const stored = await a.fetchLedger();
      expect(stored.map((e) => e.orderId)).toEqual(["o2", "o3", "o0", "o4", "o1"]);
    });

    it("filters by symbol and by a half-open time range [start, end)", { timeout: t }, async () => {
      const a = ctx.adapter();
      for (let i = 0; i < 6; i++) {
        await a.appendLedger(
          makeEntry({ symbol: i % 2 === 0 ? "AAPL" : "MSFT", timestamp: T0 + i * HOUR, orderId: `o${i}` }),
        );
      }
      const ids = (q: Parameters<typeof a.fetchLedger>[0]) =>
        a.fetchLedger(q).then((r) => r.map((e) => e.orderId));
      expect(await ids({ symbol: "AAPL" })).toEqual(["o4", "o2", "o0"]);
      expect(await ids({ symbol: " MSFT " })).toEqual(["o5", "o3", "o1"]);
      expect(await ids({ symbol: "NONE" })).toEqual([]);
      expect(await ids({ start: at(T0 + HOUR), end: at(T0 + 4 * HOUR) })).toEqual(["o3", "o2", "o1"]);
      expect(await ids({ start: at(T0 + 4 * HOUR) })).toEqual(["o5", "o4"]);
      expect(await ids({ end: at(T0 + HOUR) })).toEqual(["o0"]);
      expect(await ids({ start: at(T0 + HOUR), end: at(T0 + HOUR) })).toEqual([]);
      expect(await ids({ symbol: "AAPL", start: at(T0 + 1), end: at(T0 + 4 * HOUR + 1) })).toEqual([
        "o4",
        "o2",
      ]);
      expect(await ids({ symbol: "MSFT", limit: 2 })).toEqual(["o5", "o3"]);
    });

    it("limit defaults to 100 and must be an integer in 1..10000", {
      timeout: Math.max(t, 60_000),
    }, async () => {
      const a = ctx.adapter();
      for (let i = 0; i < 103; i++)
        await a.appendLedger(makeEntry({ timestamp: T0 + i * 1000, orderId: `o${i}` }));
      const page = await a.fetchLedger();
      expect(page).toHaveLength(100);
      expect(page[0]!.orderId).toBe("o102");
      expect(page[99]!.orderId).toBe("o3");
      expect(await a.fetchLedger({ limit: 1 })).toHaveLength(1);
      expect(await a.fetchLedger({ limit: 10_000 })).toHaveLength(103);
      for (const limit of [0, 10_001, -1, 1.5, Number.NaN])
        await expectValidationError(() => a.fetchLedger({ limit }));
      await expectValidationError(() => a.fetchLedger({ limit: "10" as unknown as number }));
    });

    it("start > end is a ValidationError; bad symbols and dates are rejected", { timeout: t }, async () => {
      const a = ctx.adapter();
      await expectValidationError(() => a.fetchLedger({ start: at(T0 + 1), end: at(T0) }));
      await expectValidationError(() => a.fetchLedger({ symbol: "" }));
      await expectValidationError(() => a.fetchLedger({ start: new Date(Number.NaN) }));
    });

    it("decimals round-trip exactly", { timeout: t }, async () => {
      const a = ctx.adapter();
      await a.appendLedger(
        makeEntry({ qty: "1e-12", price: "12345678901234567890.123456789", amount: "0.1", fee: "0.000001" }),
      );
      const [e] = await a.fetchLedger();
      expectDecimal(e!.qty, "1e-12", "qty");
      expectDecimal(e!.price, "12345678901234567890.123456789", "price");
      expectDecimal(e!.amount, "0.1", "amount");
      expectDecimal(e!.fee, "0.000001", "fee");
      expect(Decimal.isDecimal(e!.fee)).toBe(true);
    });

    it("strings (SQL, formulas, unicode, emoji, empty) are stored verbatim", { timeout: t }, async () => {
      const a = ctx.adapter();
      const written: LedgerEntry[] = [];
      for (const [i, s] of NASTY_STRINGS.entries()) {
        const e = makeEntry({
          timestamp: T0 + i * 1000,
          symbol: NASTY_SYMBOLS[i % NASTY_SYMBOLS.length]!,
          side: i % 2 === 0 ? "BUY" : "SELL",
          strategyTag: s,
          orderId: `${s}#${i}`,
          broker: s,
        });
        written.push(e);
        await a.appendLedger(e);
      }
      const stored = await a.fetchLedger({ limit: 10_000 });
      expect(stored.map(withoutId)).toEqual(written.reverse().map(withoutId));
    });

    it("bad entries are rejected with ValidationError and nothing is written", { timeout: t }, async () => {
      const a = ctx.adapter();
      const good = makeEntry();
      const bad: unknown[] = [
        { ...good, symbol: "" },
        { ...good, symbol: "X".repeat(65) },
        { ...good, side: "HOLD" },
        { ...good, qty: new Decimal(0) },
        { ...good, qty: new Decimal(-1) },
        { ...good, price: new Decimal(-0.01) },
        { ...good, fee: new Decimal(Number.NaN) },
        { ...good, amount: "abc" },
        { ...good, timestamp: new Date(Number.NaN) },
        { ...good, strategyTag: 42 },
        null,
      ];
      for (const entry of bad) await expectValidationError(() => a.appendLedger(entry as LedgerEntry));
      expect(await a.fetchLedger({ limit: 10_000 })).toEqual([]);
    });

    it("concurrent appends each get their own id", { timeout: t }, async () => {
      const a = ctx.adapter();
      const n = ctx.options.sizes.concurrentWrites;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          a.appendLedger(makeEntry({ timestamp: T0 + i, orderId: `c${i}` })),
        ),
      );
      expect(results.every((r) => r === true)).toBe(true);
      const stored = await a.fetchLedger({ limit: 10_000 });
      expect(stored).toHaveLength(n);
      expect(new Set(stored.map((e) => e.id)).size).toBe(n);
      expect(plainAll(stored).map((e) => e.orderId)).toEqual(
        Array.from({ length: n }, (_, i) => `c${n - 1 - i}`),
      );
    });
  });
}
