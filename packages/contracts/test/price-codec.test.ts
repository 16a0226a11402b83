import { describe, expect, it } from "vitest";
import { priceFromHash, priceQuoteFromTick, priceToHash, tick, ValidationError } from "../src/index.js";

describe("price codec", () => {
  it("round-trips a tick's quote exactly, bid/ask absent or present", () => {
    const t = tick({
      time: "2024-01-02T14:30:00.250Z",
      symbol: "AAPL",
      price: "12345678901234567890.123456789",
      volume: 7,
      bid: "0.1",
      ask: null,
    });
    const q = priceQuoteFromTick(t, 1_704_205_800_300);
    const h = priceToHash(q);
    expect(h).toEqual({
      price: "12345678901234567890.123456789",
      volume: "7",
      time: "2024-01-02T14:30:00.250Z",
      timestamp: "1704205800300",
      bid: "0.1",
    });
    const back = priceFromHash(h);
    expect(back.price.eq(t.price)).toBe(true);
    expect(back.bid?.toFixed()).toBe("0.1");
    expect(back.ask).toBeNull();
    expect(back.time.getTime()).toBe(t.time.getTime());
    expect(back.timestamp).toBe(1_704_205_800_300);
  });

  it("a hash that does not decode is a ValidationError naming the field", () => {
    const good = { price: "1", volume: "1", time: "2024-01-02T00:00:00Z", timestamp: "1" };
    expect(() => priceFromHash({ ...good, price: "abc" })).toThrow(ValidationError);
    expect(() => priceFromHash({ ...good, timestamp: "1e3" })).toThrow(/timestamp/);
    const { volume: _v, ...noVolume } = good;
    expect(() => priceFromHash(noVolume)).toThrow(/volume/);
  });
});
