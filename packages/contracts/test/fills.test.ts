import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AVG_PRICE_DP,
  applyFillToPosition,
  ConflictError,
  Decimal,
  type DecimalInput,
  divideHalfEven,
  type Fill,
  type FillInput,
  fill,
  fillConflicts,
  fillFromLedgerEntry,
  foldFills,
  ledgerEntry,
  ledgerEntryFromFill,
  ledgerEntryFromHash,
  ledgerEntryToHash,
  type Position,
  position,
  positionFromHash,
  positionToHash,
  QtsError,
} from "../src/index.js";
import { expectValidation, RUNS } from "./helpers.js";

const T = new Date("2024-05-01T09:30:00Z");
/** Exact arithmetic for expectations (the package's Decimal rounds to 20 significant digits). */
const X = Decimal.clone({ precision: 1e9 });
let seq = 0;
const f = (
  side: "BUY" | "SELL",
  qty: DecimalInput,
  price: DecimalInput,
  extra: Partial<FillInput> = {},
): Fill => fill({ fillId: `F${++seq}`, symbol: "AAPL", side, qty, price, timestamp: T, ...extra });

const eq = (actual: Decimal, expected: Decimal.Value, what: string) =>
  expect(actual.toFixed(), what).toBe(new Decimal(expected).toFixed());

describe("fill()", () => {
  it("validates, normalises and freezes; optional fields default", () => {
    const x = fill({ fillId: "EX-1", symbol: " AAPL ", side: "BUY", qty: "1e-12", price: 0.1, timestamp: T });
    expect(Object.isFrozen(x)).toBe(true);
    expect(x).toMatchObject({ fillId: "EX-1", symbol: "AAPL", orderId: "", strategyTag: "", broker: "" });
    eq(x.qty, "0.000000000001", "qty");
    eq(x.price, "0.1", "price");
    eq(x.fee, 0, "fee");
    expect(fill({ ...x, fillId: "x".repeat(128) }).fillId).toHaveLength(128);
  });

  it("rejects bad input with a ValidationError naming the field", () => {
    const ok = { fillId: "F", symbol: "AAPL", side: "BUY", qty: 1, price: 1, timestamp: T } as const;
    expectValidation(() => fill({ ...ok, fillId: undefined as unknown as string }), "fillId");
    expectValidation(() => fill({ ...ok, fillId: "" }), "fillId", "");
    expectValidation(() => fill({ ...ok, fillId: "x".repeat(129) }), "fillId");
    expectValidation(() => fill({ ...ok, fillId: "a\nb" }), "fillId", "a\nb");
    expectValidation(() => fill({ ...ok, fillId: " F" }), "fillId", " F");
    expectValidation(() => fill({ ...ok, fillId: 42 as unknown as string }), "fillId", 42);
    expectValidation(() => fill({ ...ok, qty: 0 }), "qty", 0);
    expectValidation(() => fill({ ...ok, qty: "-1" }), "qty", "-1");
    expectValidation(() => fill({ ...ok, price: -1 }), "price", -1);
    expectValidation(() => fill({ ...ok, fee: "-0.01" }), "fee", "-0.01");
    expectValidation(() => fill({ ...ok, side: "buy" as "BUY" }), "side", "buy");
    expectValidation(() => fill({ ...ok, symbol: "" }), "symbol", "");
    expectValidation(() => fill({ ...ok, timestamp: "yesterday" }), "timestamp", "yesterday");
    expectValidation(() => fill(null as unknown as Parameters<typeof fill>[0]), "fill");
  });

  it("builds its ledger entry with amount = qty × price exactly and the fillId", () => {
    const x = f("SELL", "0.000000000001", "12345678901234567890.123456789", { fee: "0.5", orderId: "O-1" });
    const e = ledgerEntryFromFill(x);
    eq(e.amount, "12345678.901234567890123456789", "amount");
    expect(e).toMatchObject({ fillId: x.fillId, side: "SELL", orderId: "O-1", id: null });
    const back = ledgerEntryFromHash(ledgerEntryToHash(e));
    expect(back.fillId).toBe(x.fillId);
    expect(fillFromLedgerEntry(back)).toEqual(x);
    expect(ledgerEntry({ ...e, fillId: undefined }).fillId).toBeNull();
    expect(ledgerEntryFromHash({ ...ledgerEntryToHash(e), fillId: "" }).fillId).toBeNull();
  });

  it("fillConflicts names the identity fields that differ (decimals by value)", () => {
    const x = f("BUY", "1.50", "10");
    const stored = ledgerEntryFromFill(x);
    expect(fillConflicts(fill({ ...x, qty: "1.5", fee: 9, orderId: "other" }), stored)).toEqual([]);
    expect(fillConflicts(fill({ ...x, side: "SELL", price: "10.01" }), stored)).toEqual(["side", "price"]);
    expect(fillConflicts(fill({ ...x, symbol: "MSFT", qty: 2 }), stored)).toEqual(["symbol", "qty"]);
    const error = new ConflictError("conflict", { key: x.fillId, fields: ["qty"] });
    expect(error).toBeInstanceOf(QtsError);
    expect(error.code).toBe("QTS_CONFLICT");
    expect(error.fields).toEqual(["qty"]);
  });
});

describe("position codec: realizedPnl and version", () => {
  it("carries both; hashes written before they existed decode as 0", () => {
    const p = position({ symbol: "A", qty: "-2", avgPrice: "3", realizedPnl: "-0.000000000001", version: 7 });
    const h = positionToHash(p);
    expect(h.realizedPnl).toBe("-0.000000000001");
    expect(h.version).toBe("7");
    const back = positionFromHash(h);
    eq(back.realizedPnl, "-1e-12", "realizedPnl");
    expect(back.version).toBe(7);
    const { realizedPnl: _r, version: _v, ...old } = h;
    const legacy = positionFromHash(old);
    eq(legacy.realizedPnl, 0, "legacy realizedPnl");
    expect(legacy.version).toBe(0);
    expect(positionFromHash({ ...h, version: "", realizedPnl: "" }).version).toBe(0);
    expect(() => positionFromHash({ ...h, version: "1.5" })).toThrow(/version/);
    expect(() => positionFromHash({ ...h, version: "-1" })).toThrow(/version/);
    expectValidation(() => position({ symbol: "A", qty: 1, avgPrice: 1, version: -1 }), "version", -1);
    expectValidation(() => position({ symbol: "A", qty: 1, avgPrice: 1, version: 1.5 }), "version", 1.5);
  });
});

describe("applyFillToPosition", () => {
  it("opens, adds at the size-weighted average, reduces with realised P&L, closes exactly", () => {
    let p = applyFillToPosition(null, f("BUY", 10, 100));
    eq(p.qty, 10, "qty");
    eq(p.avgPrice, 100, "avg");
    expect(p.version).toBe(1);
    expect(p.updatedAt).toEqual(T);
    p = applyFillToPosition(p, f("BUY", 30, 104));
    eq(p.avgPrice, 103, "avg after add");
    p = applyFillToPosition(p, f("SELL", 15, 110, { fee: 99 }));
    eq(p.qty, 25, "qty after reduce");
    eq(p.avgPrice, 103, "avg unchanged on reduce");
    eq(p.realizedPnl, 105, "realised (110-103)*15, fee excluded");
    p = applyFillToPosition(p, f("SELL", 25, 100));
    eq(p.qty, 0, "flat");
    eq(p.avgPrice, 0, "avg of flat");
    eq(p.realizedPnl, 30, "105 + (100-103)*25");
    expect(p.version).toBe(4);
  });

  it("shorts: adding averages, covering realises (avg − price) × qty", () => {
    let p = applyFillToPosition(null, f("SELL", 4, 50));
    eq(p.qty, -4, "short");
    p = applyFillToPosition(p, f("SELL", 4, 60));
    eq(p.avgPrice, 55, "avg");
    p = applyFillToPosition(p, f("BUY", 2, 45));
    eq(p.qty, -6, "qty");
    eq(p.realizedPnl, 20, "(55-45)*2");
    eq(p.avgPrice, 55, "avg unchanged");
  });

  it("crossing zero closes the old side and opens the remainder at the fill price", () => {
    let p = applyFillToPosition(null, f("BUY", 3, 10));
    p = applyFillToPosition(p, f("SELL", 5, "12.123456789012345"));
    eq(p.qty, -2, "qty");
    eq(p.avgPrice, "12.123456789", "remainder at the price, rounded half-even to 10 dp");
    eq(p.realizedPnl, "6.370370367037035", "(12.123456789012345-10)*3");
    p = applyFillToPosition(p, f("BUY", 7, 11));
    eq(p.qty, 5, "back long");
    eq(p.avgPrice, 11, "at the fill price");
    eq(p.realizedPnl, "8.617283945037035", "+ (12.123456789-11)*2");
  });

  it("rounds avgPrice half-even to 10 places; qty and realizedPnl stay exact", () => {
    expect(AVG_PRICE_DP).toBe(10);
    eq(applyFillToPosition(null, f("BUY", 1, "0.00000000005")).avgPrice, 0, "half to even (0)");
    eq(applyFillToPosition(null, f("BUY", 1, "0.00000000015")).avgPrice, "0.0000000002", "half to even (2)");
    eq(applyFillToPosition(null, f("BUY", 1, "0.000000000150001")).avgPrice, "0.0000000002", "above half");
    const p = applyFillToPosition(applyFillToPosition(null, f("BUY", 1, 1)), f("BUY", 2, 2));
    eq(p.avgPrice, "1.6666666667", "5/3");
    eq(divideHalfEven(new Decimal("-2.5"), new Decimal(1), 0), -2, "negative half to even");
    eq(divideHalfEven(new Decimal("-3.5"), new Decimal(1), 0), -4, "negative half to even");
    const big = applyFillToPosition(null, f("BUY", "1e-12", "12345678901234567890.123456789"));
    eq(big.avgPrice, "12345678901234567890.123456789", "20-digit price kept");
    eq(big.qty, "1e-12", "tiny qty");
  });

  it("keeps market, exposures and unrealizedPnl; refuses another symbol", () => {
    const prev = position({
      symbol: "AAPL",
      qty: 1,
      avgPrice: 1,
      market: "NASDAQ",
      unrealizedPnl: 5,
      version: 9,
    });
    const p = applyFillToPosition(prev, f("BUY", 1, 3), new Date(0));
    expect(p.market).toBe("NASDAQ");
    eq(p.unrealizedPnl, 5, "unrealizedPnl");
    expect(p.version).toBe(10);
    expect(p.updatedAt).toEqual(new Date(0));
    expectValidation(() => applyFillToPosition(prev, f("BUY", 1, 1, { symbol: "MSFT" })), "symbol");
  });
});

// ---- properties -------------------------------------------------------------------------------------------

const QTYS = ["1e-12", "0.000000000003", "1", "2", "7", "0.5", "100", "12345.678901234567", "1000000"];
const PRICES = [
  "0",
  "1e-12",
  "0.1",
  "99.99",
  "100",
  "12345678901234567890.123456789",
  "98765432109876543210.5",
];

type Op = { kind: "random" | "close" | "cross"; side: "BUY" | "SELL"; qty: string; price: string };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("random", "random", "random", "close", "cross"),
  side: fc.constantFrom("BUY", "SELL"),
  qty: fc.oneof(
    fc.constantFrom(...QTYS),
    fc.bigInt({ min: 1n, max: 10n ** 15n }).map((n) => `${n}e-6`),
  ),
  price: fc.oneof(
    fc.constantFrom(...PRICES),
    fc.bigInt({ min: 0n, max: 10n ** 20n }).map((n) => `${n}e-9`),
  ),
});

/** Turns ops into fills against the running position: "close" closes it exactly, "cross" goes through zero. */
function toFills(ops: readonly Op[]): Fill[] {
  let p: Position | null = null;
  return ops.map((op, i) => {
    const held = p?.qty ?? new Decimal(0);
    let { side, qty } = op;
    if (op.kind !== "random" && !held.isZero()) {
      side = held.isNegative() ? "BUY" : "SELL";
      qty = op.kind === "close" ? held.abs().toFixed() : new X(held).abs().plus(qty).toFixed();
    }
    const x = fill({ fillId: `P${i}`, symbol: "S", side, qty, price: op.price, timestamp: new Date(i) });
    p = applyFillToPosition(p, x);
    return x;
  });
}

describe("applyFillToPosition properties", () => {
  it("qty is the exact signed sum; version counts fills; avgPrice >= 0 with <= 10 places, 0 when flat", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        let p: Position | null = null;
        let sum = new Decimal(0);
        for (const x of toFills(ops)) {
          p = applyFillToPosition(p, x);
          sum = new X(sum).plus(x.side === "BUY" ? x.qty : x.qty.neg());
          expect(p.qty.eq(sum)).toBe(true);
          expect(p.avgPrice.isNegative()).toBe(false);
          expect(p.avgPrice.decimalPlaces()).toBeLessThanOrEqual(AVG_PRICE_DP);
          if (p.qty.isZero()) expect(p.avgPrice.isZero()).toBe(true);
        }
        expect(p!.version).toBe(ops.length);
      }),
      RUNS,
    );
  });

  it("P&L is conserved up to avgPrice rounding: realised − qty × avg + Σ signed qty × price ≈ 0", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        let p: Position | null = null;
        let cash = new X(0);
        let bound = new X(0);
        for (const x of toFills(ops)) {
          p = applyFillToPosition(p, x);
          cash = cash.plus(new X(x.qty).times(x.price).times(x.side === "BUY" ? 1 : -1));
          bound = bound.plus(new X(p.qty).abs().times("5e-11"));
        }
        const drift = new X(p!.realizedPnl).minus(new X(p!.qty).times(p!.avgPrice)).plus(cash).abs();
        expect(drift.lte(bound), `drift ${drift.toFixed()} > bound ${bound.toFixed()}`).toBe(true);
      }),
      RUNS,
    );
  });

  it("an exact close leaves qty 0 and avgPrice 0 and realises (price − avg) × qty", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 20 }),
        fc.constantFrom(...PRICES),
        (ops, price) => {
          const p = foldFills(toFills(ops))!;
          fc.pre(!p.qty.isZero());
          const close = fill({
            fillId: "CLOSE",
            symbol: "S",
            side: p.qty.isNegative() ? "BUY" : "SELL",
            qty: p.qty.abs(),
            price,
            timestamp: T,
          });
          const after = applyFillToPosition(p, close);
          expect(after.qty.isZero()).toBe(true);
          expect(after.avgPrice.isZero()).toBe(true);
          const expected = new X(p.realizedPnl).plus(new X(price).minus(p.avgPrice).times(p.qty));
          expect(after.realizedPnl.eq(expected)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("crossing zero equals closing exactly and then opening the remainder", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 20 }),
        fc.constantFrom(...QTYS),
        fc.constantFrom(...PRICES),
        (ops, extra, price) => {
          const p = foldFills(toFills(ops))!;
          fc.pre(!p.qty.isZero());
          const side = p.qty.isNegative() ? "BUY" : "SELL";
          const base = { symbol: "S", side, price, timestamp: T } as const;
          const crossed = applyFillToPosition(
            p,
            fill({ ...base, fillId: "X", qty: new X(p.qty).abs().plus(extra) }),
          );
          const closed = applyFillToPosition(p, fill({ ...base, fillId: "C", qty: p.qty.abs() }));
          const reopened = applyFillToPosition(closed, fill({ ...base, fillId: "O", qty: extra }));
          expect(crossed.qty.eq(reopened.qty)).toBe(true);
          expect(crossed.qty.isNegative()).toBe(!p.qty.isNegative());
          expect(crossed.avgPrice.eq(reopened.avgPrice)).toBe(true);
          expect(crossed.realizedPnl.eq(reopened.realizedPnl)).toBe(true);
          expect(crossed.version).toBe(p.version + 1);
        },
      ),
      RUNS,
    );
  });

  it("folding the ledger (entries → fills) gives the same position as folding the fills", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        const fills = toFills(ops);
        const ledger = fills.map((x) => ledgerEntryFromHash(ledgerEntryToHash(ledgerEntryFromFill(x))));
        const a = foldFills(fills)!;
        const b = foldFills(ledger.map(fillFromLedgerEntry))!;
        expect(positionToHash(b)).toEqual(positionToHash(a));
        const mid = Math.floor(fills.length / 2);
        expect(positionToHash(foldFills(fills.slice(mid), foldFills(fills.slice(0, mid)))!)).toEqual(
          positionToHash(a),
        );
      }),
      RUNS,
    );
  });
});
