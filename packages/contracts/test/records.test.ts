import { describe, expect, it } from "vitest";
import {
  Decimal,
  healthStatus,
  ledgerEntry,
  ohlcv,
  position,
  positionUpdate,
  Side,
  tick,
  withLedgerId,
} from "../src/index.js";
import { expectValidation } from "./helpers.js";

const T = new Date("2024-05-01T09:30:00.000Z");

const goodLedger = {
  timestamp: T,
  symbol: "AAPL",
  side: "BUY" as const,
  qty: "10",
  price: "189.5",
  amount: "1895",
};

const goodBar = { time: T, symbol: "AAPL", open: "10", high: "12", low: "9", close: "11", volume: 100 };
const goodTick = { time: T, symbol: "AAPL", price: "10.5", volume: 3 };

function expectFrozen(record: object, field: string): void {
  expect(Object.isFrozen(record)).toBe(true);
  const before = (record as Record<string, unknown>)[field];
  // ESM test files are strict mode: assigning to a frozen object's field throws.
  expect(() => {
    (record as Record<string, unknown>)[field] = "changed";
  }).toThrow(TypeError);
  expect(() => {
    (record as Record<string, unknown>).extra = 1;
  }).toThrow(TypeError);
  expect((record as Record<string, unknown>)[field]).toBe(before);
}

describe("position()", () => {
  it("applies the defaults of SPEC.md", () => {
    const p = position({ symbol: " AAPL ", qty: 10, avgPrice: "150.25" });
    expect(p.symbol).toBe("AAPL");
    expect(p.qty.eq(10)).toBe(true);
    expect(p.avgPrice.toFixed()).toBe("150.25");
    expect(p.market).toBe("");
    expect(p.exposureValue.isZero()).toBe(true);
    expect(p.exposurePct.isZero()).toBe(true);
    expect(p.unrealizedPnl.isZero()).toBe(true);
    expect(p.updatedAt).toBeNull();
    expect(Decimal.isDecimal(p.qty)).toBe(true);
  });

  it("allows a negative qty (short) and negative exposure/PnL", () => {
    const p = position({
      symbol: "TSLA",
      qty: "-5",
      avgPrice: 200,
      unrealizedPnl: "-12.5",
      exposureValue: -1000,
    });
    expect(p.qty.toFixed()).toBe("-5");
    expect(p.unrealizedPnl.toFixed()).toBe("-12.5");
    expect(p.exposureValue.toFixed()).toBe("-1000");
  });

  it("rejects a negative avgPrice", () => {
    expectValidation(() => position({ symbol: "A", qty: 1, avgPrice: -0.01 }), "avgPrice", -0.01);
  });

  it.each(["qty", "avgPrice", "exposureValue", "exposurePct", "unrealizedPnl"])(
    "rejects a bad %s",
    (field) => {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, "abc", null, {}]) {
        if (bad === null && field !== "qty" && field !== "avgPrice") continue; // null means "default" there
        expectValidation(() => position({ symbol: "A", qty: 1, avgPrice: 1, [field]: bad }), field, bad);
      }
    },
  );

  it("rejects a bad symbol, market and updatedAt", () => {
    expectValidation(() => position({ symbol: "", qty: 1, avgPrice: 1 }), "symbol", "");
    expectValidation(() => position({ symbol: "A", qty: 1, avgPrice: 1, market: 5 as never }), "market", 5);
    const bad = new Date("x");
    expectValidation(() => position({ symbol: "A", qty: 1, avgPrice: 1, updatedAt: bad }), "updatedAt", bad);
  });

  it("is frozen and copies its Date", () => {
    const at = new Date(T);
    const p = position({ symbol: "A", qty: 1, avgPrice: 1, updatedAt: at });
    expectFrozen(p, "qty");
    expectFrozen(p, "symbol");
    at.setUTCFullYear(1999);
    expect(p.updatedAt?.toISOString()).toBe("2024-05-01T09:30:00.000Z");
  });

  it("positionUpdate validates like position()", () => {
    const u = positionUpdate(" MSFT ", "-3", "410.1");
    expect(u).toEqual({ symbol: "MSFT", qty: new Decimal(-3), avgPrice: new Decimal("410.1") });
    expect(Object.isFrozen(u)).toBe(true);
    expectValidation(() => positionUpdate("A", "x", 1), "qty", "x");
    expectValidation(() => positionUpdate("A", 1, -1), "avgPrice", -1);
    expectValidation(() => positionUpdate(" ", 1, 1), "symbol", " ");
  });
});

describe("ledgerEntry()", () => {
  it("applies the defaults of SPEC.md", () => {
    const e = ledgerEntry(goodLedger);
    expect(e.fee.isZero()).toBe(true);
    expect(e.strategyTag).toBe("");
    expect(e.orderId).toBe("");
    expect(e.broker).toBe("");
    expect(e.id).toBeNull();
    expect(e.side).toBe(Side.BUY);
    expect(e.timestamp).not.toBe(T);
    expect(e.timestamp.getTime()).toBe(T.getTime());
  });

  it("accepts SELL and an ISO timestamp", () => {
    const e = ledgerEntry({ ...goodLedger, side: "SELL", timestamp: "2024-05-01T09:30:00Z" });
    expect(e.side).toBe("SELL");
    expect(e.timestamp.getTime()).toBe(T.getTime());
  });

  it.each([["buy"], ["sell"], ["Buy"], ["SHORT"], [""], [" BUY"], [null], [1]])("rejects side %j", (side) => {
    expectValidation(() => ledgerEntry({ ...goodLedger, side: side as never }), "side", side);
  });

  it.each(["price", "amount", "fee"])("rejects a negative %s and accepts 0", (field) => {
    expect(ledgerEntry({ ...goodLedger, [field]: 0 })[field as "price"].isZero()).toBe(true);
    expectValidation(() => ledgerEntry({ ...goodLedger, [field]: "-0.01" }), field, "-0.01");
    expectValidation(() => ledgerEntry({ ...goodLedger, [field]: Number.NaN }), field, Number.NaN);
  });

  it("rejects a qty of 0 or below", () => {
    expectValidation(() => ledgerEntry({ ...goodLedger, qty: 0 }), "qty", 0);
    expectValidation(() => ledgerEntry({ ...goodLedger, qty: "-1" }), "qty", "-1");
    expectValidation(() => ledgerEntry({ ...goodLedger, qty: "abc" }), "qty", "abc");
  });

  it("accepts positive safe integer ids (numbers or digit strings) and null", () => {
    expect(ledgerEntry({ ...goodLedger, id: 1 }).id).toBe(1);
    expect(ledgerEntry({ ...goodLedger, id: Number.MAX_SAFE_INTEGER }).id).toBe(Number.MAX_SAFE_INTEGER);
    expect(ledgerEntry({ ...goodLedger, id: "42" as never }).id).toBe(42);
    expect(ledgerEntry({ ...goodLedger, id: null }).id).toBeNull();
  });

  it.each([[0], [-1], [1.5], [2 ** 53], [Number.NaN], ["abc"], ["-1"], [true]])("rejects id %j", (id) => {
    expectValidation(() => ledgerEntry({ ...goodLedger, id: id as never }), "id");
  });

  it("rejects a bad timestamp and symbol", () => {
    const bad = new Date("x");
    expectValidation(() => ledgerEntry({ ...goodLedger, timestamp: bad }), "timestamp", bad);
    expectValidation(() => ledgerEntry({ ...goodLedger, symbol: "A\tB" }), "symbol", "A\tB");
    expectValidation(() => ledgerEntry({ ...goodLedger, strategyTag: 1 as never }), "strategyTag", 1);
  });

  it("is frozen; withLedgerId returns a new entry with the id", () => {
    const e = ledgerEntry(goodLedger);
    expectFrozen(e, "qty");
    const stored = withLedgerId(e, 7);
    expect(stored.id).toBe(7);
    expect(e.id).toBeNull();
    expect(stored.qty.eq(e.qty)).toBe(true);
    expectValidation(() => withLedgerId(e, 0), "id", 0);
  });
});

describe("ohlcv()", () => {
  it("accepts a valid bar, including a flat one", () => {
    const b = ohlcv(goodBar);
    expect(b.open.toFixed()).toBe("10");
    expect(b.volume).toBe(100);
    const flat = ohlcv({ ...goodBar, open: 5, high: 5, low: 5, close: 5, volume: 0 });
    expect(flat.high.eq(flat.low)).toBe(true);
  });

  it("rejects low > min(open, close)", () => {
    expectValidation(() => ohlcv({ ...goodBar, low: "10.5" }), "low", "10.5");
    expectValidation(() => ohlcv({ ...goodBar, open: 11, close: 9.5, low: 9.6 }), "low", 9.6);
  });

  it("rejects high < max(open, close)", () => {
    expectValidation(() => ohlcv({ ...goodBar, high: "10.9" }), "high", "10.9");
    expectValidation(() => ohlcv({ ...goodBar, open: 11.5, close: 10, high: 11.4 }), "high", 11.4);
  });

  it("rejects low > high", () => {
    expectValidation(() => ohlcv({ ...goodBar, low: 13, high: 12 }), "low", 13);
  });

  it.each(["open", "high", "low", "close"])("rejects a negative or non-finite %s", (field) => {
    expectValidation(() => ohlcv({ ...goodBar, [field]: -1 }), field, -1);
    expectValidation(() => ohlcv({ ...goodBar, [field]: Number.NaN }), field, Number.NaN);
  });

  it.each([[-1], [1.5], [2 ** 53], [Number.NaN], ["x"]])("rejects volume %j", (volume) => {
    expectValidation(() => ohlcv({ ...goodBar, volume: volume as never }), "volume", volume);
  });

  it("rejects a bad time and symbol; is frozen and copies its Date", () => {
    const bad = new Date("x");
    expectValidation(() => ohlcv({ ...goodBar, time: bad }), "time", bad);
    expectValidation(() => ohlcv({ ...goodBar, symbol: "A".repeat(65) }), "symbol", "A".repeat(65));
    const time = new Date(T);
    const b = ohlcv({ ...goodBar, time });
    time.setTime(0);
    expect(b.time.getTime()).toBe(T.getTime());
    expectFrozen(b, "close");
  });
});

describe("tick()", () => {
  it("applies the defaults of SPEC.md", () => {
    const t = tick(goodTick);
    expect(t.bid).toBeNull();
    expect(t.ask).toBeNull();
    expect(t.source).toBe("");
    expect(t.price.toFixed()).toBe("10.5");
    const q = tick({ ...goodTick, bid: "10.4", ask: 10.6, source: "KRX" });
    expect(q.bid?.toFixed()).toBe("10.4");
    expect(q.ask?.toFixed()).toBe("10.6");
    expect(q.source).toBe("KRX");
  });

  it.each(["price", "bid", "ask"])("rejects a negative or bad %s", (field) => {
    expectValidation(() => tick({ ...goodTick, [field]: -0.5 }), field, -0.5);
    expectValidation(() => tick({ ...goodTick, [field]: "1e" }), field, "1e");
  });

  it("rejects bad volume, time and symbol", () => {
    expectValidation(() => tick({ ...goodTick, volume: -3 }), "volume", -3);
    expectValidation(() => tick({ ...goodTick, volume: 0.5 }), "volume", 0.5);
    expectValidation(() => tick({ ...goodTick, time: "x" }), "time", "x");
    expectValidation(() => tick({ ...goodTick, symbol: "A\u0000" }), "symbol", "A\u0000");
  });

  it("is frozen and copies its Date", () => {
    const time = new Date(T);
    const t = tick({ ...goodTick, time });
    time.setTime(0);
    expect(t.time.getTime()).toBe(T.getTime());
    expectFrozen(t, "price");
  });
});

describe("healthStatus()", () => {
  it("applies the defaults of SPEC.md and is frozen", () => {
    const h = healthStatus({ healthy: true, source: "memory" });
    expect(h).toEqual({ healthy: true, source: "memory", latencyMs: 0, error: "" });
    expect("details" in h).toBe(false);
    expectFrozen(h, "healthy");
    const d = healthStatus({
      healthy: false,
      source: "redis",
      latencyMs: 1.5,
      error: "down",
      details: { queued: 3 },
    });
    expect(d.details).toEqual({ queued: 3 });
    expect(Object.isFrozen(d.details)).toBe(true);
  });

  it("rejects bad fields", () => {
    expectValidation(() => healthStatus({ healthy: "yes" as never, source: "x" }), "healthy", "yes");
    expectValidation(() => healthStatus({ healthy: true, source: "x", latencyMs: -1 }), "latencyMs", -1);
    expectValidation(
      () => healthStatus({ healthy: true, source: "x", latencyMs: Number.NaN }),
      "latencyMs",
      Number.NaN,
    );
    expectValidation(() => healthStatus({ healthy: true, source: 1 as never }), "source", 1);
    expectValidation(() => healthStatus({ healthy: true, source: "x", error: {} as never }), "error");
    expectValidation(() => healthStatus({ healthy: true, source: "x", details: 5 as never }), "details", 5);
  });
});
