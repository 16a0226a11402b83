import { Decimal } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { applyFill, FLAT } from "../src/replay/position-math.js";
import { percentile } from "../src/replay/stats.js";

const d = (x: string) => new Decimal(x);

describe("applyFill", () => {
  it("averages buys, keeps the average on a partial sell, goes flat on a full close", () => {
    let b = applyFill(FLAT, "BUY", 10, "100");
    b = applyFill(b, "BUY", 30, "104");
    expect(b.qty.toFixed()).toBe("40");
    expect(b.avgPrice.toFixed()).toBe("103");
    b = applyFill(b, "SELL", 15, "110");
    expect(b.qty.toFixed()).toBe("25");
    expect(b.avgPrice.toFixed()).toBe("103");
    b = applyFill(b, "SELL", 25, "90");
    expect(b.qty.isZero() && b.avgPrice.isZero()).toBe(true);
  });

  it("opens and adds to shorts, and flips at the fill price when crossing zero", () => {
    let b = applyFill(FLAT, "SELL", "2.5", "10");
    b = applyFill(b, "SELL", "2.5", "20");
    expect(b.qty.toFixed()).toBe("-5");
    expect(b.avgPrice.toFixed()).toBe("15");
    b = applyFill(b, "BUY", 8, "12");
    expect(b.qty.toFixed()).toBe("3");
    expect(b.avgPrice.toFixed()).toBe("12");
  });

  it("is exact for tiny and huge decimals and rounds the average to 10 places", () => {
    const tiny = applyFill(FLAT, "BUY", "0.000000000001", "12345678901234567890.123456789");
    expect(tiny.qty.eq(d("1e-12"))).toBe(true);
    expect(tiny.avgPrice.toFixed()).toBe("12345678901234567890.123456789");
    const third = applyFill(applyFill(FLAT, "BUY", 1, "1"), "BUY", 2, "1.5");
    expect(third.avgPrice.toFixed()).toBe("1.3333333333");
    expect(() => applyFill(FLAT, "BUY", 0, "1")).toThrow(RangeError);
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([5], 99)).toBe(5);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(() => percentile([1], 0)).toThrow(RangeError);
  });
});
