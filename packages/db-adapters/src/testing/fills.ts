import {
  applyFillToPosition,
  ConflictError,
  type DataSourceAdapter,
  DataSourceError,
  Decimal,
  type Fill,
  type FillInput,
  fill,
  fillFromLedgerEntry,
  foldFills,
  type LedgerEntry,
  MAX_LEDGER_LIMIT,
  type Position,
} from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { expectDecimal, expectValidationError } from "./expect-helpers.js";
import { plainAll, rng, T0 } from "./fixtures.js";
import type { SuiteContext } from "./options.js";

/** Exact arithmetic for building fills (the package Decimal rounds to 20 significant digits). */
const Exact = Decimal.clone({ precision: 1e9 });

const QTYS = ["1e-12", "0.000000000003", "1", "2", "7", "0.5", "100", "12345.678901234567", "250000"];
const PRICES = [
  "0",
  "1e-12",
  "0.1",
  "99.99",
  "100",
  "70000.5",
  "12345678901234567890.123456789",
  "98765432109876543210.5",
];

/**
 * `count` random fills of one symbol (seeded, so a failure reproduces): longs, shorts, exact closes,
 * crossings through zero, 1e-12 quantities and 20-digit prices.
 */
export function randomFills(
  symbol: string,
  count: number,
  seed: number,
  idPrefix = `${symbol}-${seed}`,
): Fill[] {
  const next = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  let p: Position | null = null;
  const out: Fill[] = [];
  for (let i = 0; i < count; i++) {
    const held = p?.qty ?? new Decimal(0);
    const roll = next();
    let side: "BUY" | "SELL" = next() < 0.5 ? "BUY" : "SELL";
    let qty = pick(QTYS);
    if (!held.isZero() && roll < 0.35) {
      side = held.isNegative() ? "BUY" : "SELL";
      qty = roll < 0.15 ? held.abs().toFixed() : new Exact(held).abs().plus(qty).toFixed(); // close / cross
    }
    const f = fill({
      fillId: `${idPrefix}-${i}`,
      orderId: `O-${i}`,
      symbol,
      side,
      qty,
      price: pick(PRICES),
      fee: pick(["0", "0.01", "1.5"]),
      timestamp: new Date(T0 + i * 1000),
      strategyTag: "conformance",
      broker: "fills",
    });
    p = applyFillToPosition(p, f);
    out.push(f);
  }
  return out;
}

/** Every ledger entry of `symbol` booked by applyFill, in booking (id) order. */
export async function bookedFills(a: DataSourceAdapter, symbol: string): Promise<LedgerEntry[]> {
  const entries = await a.fetchLedger({ symbol, limit: MAX_LEDGER_LIMIT });
  return entries.filter((e) => e.fillId !== null).sort((x, y) => (x.id ?? 0) - (y.id ?? 0));
}

/** The stored position equals the fold of `applyFillToPosition` over the store's own ledger of that symbol. */
export async function expectPositionIsFoldOfLedger(a: DataSourceAdapter, symbol: string): Promise<Position> {
  const ledger = await bookedFills(a, symbol);
  const folded = foldFills(ledger.map(fillFromLedgerEntry));
  const stored = await a.fetchPosition(symbol);
  expect(stored, `position ${symbol}`).not.toBeNull();
  expect(folded, `fold of ${symbol}`).not.toBeNull();
  expectSamePosition(stored!, folded!, symbol);
  return stored!;
}

/** qty, avgPrice, realizedPnl (exact) and version equal. */
export function expectSamePosition(actual: Position, expected: Position, what: string): void {
  expectDecimal(actual.qty, expected.qty, `${what} qty`);
  expectDecimal(actual.avgPrice, expected.avgPrice, `${what} avgPrice`);
  expectDecimal(actual.realizedPnl, expected.realizedPnl, `${what} realizedPnl`);
  expect(actual.version, `${what} version`).toBe(expected.version);
}

async function snapshot(a: DataSourceAdapter) {
  const ledger = await a.fetchLedger({ limit: MAX_LEDGER_LIMIT });
  return { positions: plainAll(await a.fetchPositions()), ledger: plainAll(ledger), rows: ledger.length };
}

const base: FillInput = {
  fillId: "EX-1",
  orderId: "O-1",
  symbol: "AAPL",
  side: "BUY",
  qty: "10",
  price: "150.25",
  fee: "1.5",
  timestamp: new Date(T0),
};

export function fillChecks(ctx: SuiteContext): void {
  const t = ctx.options.timeoutMs;

  describe("applyFill (fills booked exactly once)", () => {
    it("books the ledger entry and moves the position by average cost", { timeout: t }, async () => {
      const a = ctx.adapter();
      const r1 = await a.applyFill(fill(base));
      expect(r1.duplicate).toBe(false);
      expect(r1.entry.fillId).toBe("EX-1");
      expect(r1.entry.id).not.toBeNull();
      expectDecimal(r1.entry.amount, "1502.5", "amount = qty × price");
      expectDecimal(r1.position.qty, 10, "qty");
      expectDecimal(r1.position.avgPrice, "150.25", "avgPrice");
      expect(r1.position.version).toBe(1);
      await a.applyFill(fill({ ...base, fillId: "EX-2", qty: 30, price: "154.25" }));
      const r3 = await a.applyFill(fill({ ...base, fillId: "EX-3", side: "SELL", qty: 15, price: 160 }));
      expectDecimal(r3.position.qty, 25, "qty after reduce");
      expectDecimal(r3.position.avgPrice, "153.25", "avgPrice unchanged by a reduce");
      expectDecimal(r3.position.realizedPnl, "101.25", "(160 − 153.25) × 15, fees excluded");
      expect(r3.position.version).toBe(3);
      const stored = (await a.fetchPosition("AAPL"))!;
      expectSamePosition(stored, r3.position, "stored");
      const ledger = await bookedFills(a, "AAPL");
      expect(ledger.map((e) => e.fillId)).toEqual(["EX-1", "EX-2", "EX-3"]);
      expectDecimal(ledger[0]!.fee, "1.5", "fee kept in the ledger");
      expect(ledger[0]!.orderId).toBe("O-1");
      await expectPositionIsFoldOfLedger(a, "AAPL");
    });

    it("random fills (longs, shorts, crossings, exact closes, 1e-12 qtys, 20-digit prices) equal the fold of the ledger", {
      timeout: t * 3,
    }, async () => {
      const a = ctx.adapter();
      const runs = ctx.options.sizes.fillRuns;
      for (let seed = 1; seed <= runs; seed++) {
        const symbols = [`R${seed}A`, `R${seed}B`];
        const fills = symbols.flatMap((s, k) => randomFills(s, 12 + ((seed * 7 + k) % 13), seed * 31 + k));
        // Interleave the two symbols as an engine would see them.
        fills.sort(
          (x, y) => x.timestamp.getTime() - y.timestamp.getTime() || x.symbol.localeCompare(y.symbol),
        );
        for (const f of fills) await a.applyFill(f);
        for (const s of symbols) {
          const mine = fills.filter((f) => f.symbol === s);
          const stored = await expectPositionIsFoldOfLedger(a, s);
          expectSamePosition(stored, foldFills(mine)!, `${s} vs its fills`);
          expect((await bookedFills(a, s)).length).toBe(mine.length);
        }
      }
    });

    it("the same fillId twice books one row; the second call is a duplicate and changes nothing", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      const first = await a.applyFill(fill(base));
      await a.applyFill(fill({ ...base, fillId: "EX-2", side: "SELL", qty: 4, price: 151 }));
      const before = await snapshot(a);
      // A retry after a lost reply sends the same fill; timestamp/fee differences are not identity.
      const again = await a.applyFill(fill({ ...base, fee: "9", timestamp: new Date(T0 + 5000) }));
      expect(again.duplicate).toBe(true);
      expect(again.entry.id).toBe(first.entry.id);
      expect(again.entry.fillId).toBe("EX-1");
      expectDecimal(again.entry.fee, "1.5", "the stored entry is returned");
      expectDecimal(again.position.qty, 6, "current position");
      expect(again.position.version).toBe(2);
      expect(await snapshot(a)).toEqual(before);
      expect((await bookedFills(a, "AAPL")).filter((e) => e.fillId === "EX-1")).toHaveLength(1);
    });

    it("the same fillId with other content rejects with ConflictError and writes nothing", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      await a.applyFill(fill(base));
      const before = await snapshot(a);
      const variants: [Partial<FillInput>, string][] = [
        [{ qty: "10.000000000001" }, "qty"],
        [{ price: "150.26" }, "price"],
        [{ side: "SELL" }, "side"],
        [{ symbol: "MSFT" }, "symbol"],
      ];
      for (const [change, field] of variants) {
        const error = await a.applyFill(fill({ ...base, ...change })).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, field).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).fields).toContain(field);
      }
      expect(await snapshot(a)).toEqual(before);
      expect(await a.fetchPosition("MSFT")).toBeNull();
    });

    it("50 concurrent fills of one symbol: 50 rows, version 50, the position equals the fold", {
      timeout: t * 2,
    }, async () => {
      const a = ctx.adapter();
      const fills = randomFills("HOT", 50, 4242);
      const results = await Promise.all(fills.map((f) => a.applyFill(f)));
      expect(results.every((r) => !r.duplicate)).toBe(true);
      const ledger = await bookedFills(a, "HOT");
      expect(ledger).toHaveLength(50);
      expect(new Set(ledger.map((e) => e.fillId)).size).toBe(50);
      const stored = await expectPositionIsFoldOfLedger(a, "HOT");
      expect(stored.version).toBe(50);
      // Booking order may differ from call order, the quantity may not.
      const signed = fills.reduce((sum, f) => sum.plus(f.side === "BUY" ? f.qty : f.qty.neg()), new Exact(0));
      expectDecimal(stored.qty, signed, "qty = signed sum of the fills");
    });

    it("the same fill sent 10 times at once is booked once", { timeout: t }, async () => {
      const a = ctx.adapter();
      const f = fill({ ...base, fillId: "RACE" });
      const results = await Promise.all(Array.from({ length: 10 }, () => a.applyFill(f)));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
      expect(await bookedFills(a, "AAPL")).toHaveLength(1);
      const stored = await expectPositionIsFoldOfLedger(a, "AAPL");
      expect(stored.version).toBe(1);
    });

    it("bad fills are rejected with ValidationError and nothing is written", { timeout: t }, async () => {
      const a = ctx.adapter();
      await a.applyFill(fill(base));
      const before = await snapshot(a);
      const raw = { ...base, timestamp: new Date(T0) } as Record<string, unknown>;
      const { fillId: _omit, ...noId } = raw;
      const bad: Record<string, unknown>[] = [
        noId,
        { ...raw, fillId: "" },
        { ...raw, fillId: "x".repeat(129) },
        { ...raw, fillId: "NEW", qty: 0 },
        { ...raw, fillId: "NEW", qty: "-1" },
        { ...raw, fillId: "NEW", price: -1 },
        { ...raw, fillId: "NEW", fee: "-0.01" },
        { ...raw, fillId: "NEW", symbol: "" },
        { ...raw, fillId: "NEW", side: "HOLD" },
      ];
      for (const f of bad) await expectValidationError(() => a.applyFill(f as unknown as Fill));
      expect(await snapshot(a)).toEqual(before);
    });

    it("appendLedger keeps fillIds unique; entries without one stay allowed", { timeout: t }, async () => {
      const a = ctx.adapter();
      const booked = await a.applyFill(fill(base));
      const before = await snapshot(a);
      const error = await a.appendLedger({ ...booked.entry, id: null }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConflictError);
      expect(await snapshot(a)).toEqual(before);
      const plain = { ...booked.entry, id: null, fillId: null };
      expect(await a.appendLedger(plain)).toBe(true);
      expect(await a.appendLedger(plain)).toBe(true);
      const all = await a.fetchLedger({ symbol: "AAPL" });
      expect(all.filter((e) => e.fillId === null)).toHaveLength(2);
    });

    it("updatePosition bumps the version too; a later fill starts from what it wrote", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      await a.applyFill(fill(base));
      await a.updatePosition("AAPL", "20", "100");
      const p = (await a.fetchPosition("AAPL"))!;
      expect(p.version).toBe(2);
      const r = await a.applyFill(fill({ ...base, fillId: "EX-2", side: "SELL", qty: 5, price: 110 }));
      expectDecimal(r.position.qty, 15, "qty");
      expectDecimal(r.position.avgPrice, 100, "avgPrice");
      expectDecimal(r.position.realizedPnl, 50, "realizedPnl");
      expect(r.position.version).toBe(3);
      expectSamePosition((await a.fetchPosition("AAPL"))!, r.position, "stored");
    });
  });
}

/** For an adapter that does not book fills yet: bad input is still a ValidationError; a valid fill a DataSourceError. */
export function unsupportedFillChecks(ctx: SuiteContext): void {
  const t = ctx.options.timeoutMs;
  describe("applyFill (not supported by this adapter)", () => {
    it("validates the fill, then rejects with DataSourceError and writes nothing", {
      timeout: t,
    }, async () => {
      const a = ctx.adapter();
      await a.updatePosition("AAPL", 1, 1);
      const before = await snapshot(a);
      await expectValidationError(() => a.applyFill({ ...fill(base), fillId: "" }));
      const error = await a.applyFill(fill(base)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DataSourceError);
      expect(String((error as Error).message)).toMatch(/not supported/);
      expect(await snapshot(a)).toEqual(before);
    });
  });
}
