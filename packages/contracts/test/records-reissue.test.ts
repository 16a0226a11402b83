import { describe, expect, it } from "vitest";
import { ohlcv, tick, ValidationError } from "../src/index.js";

describe("factories return their own earlier records as is", () => {
  it("tick(tick(x)) is the same frozen object; a look-alike plain object is validated", () => {
    const t = tick({ time: 0, symbol: "AAPL", price: "1.5", volume: 1 });
    expect(tick(t)).toBe(t);
    const copy = { ...t };
    expect(tick(copy)).not.toBe(copy);
    expect(tick(copy)).toEqual(t);
    expect(() => tick({ ...t, price: "-1" })).toThrow(ValidationError);
  });

  it("a record's Date cannot be set through the record", () => {
    const t = tick({ time: 0, symbol: "AAPL", price: "1.5", volume: 1 });
    expect(() => t.time.setTime(Number.NaN)).toThrow(TypeError);
    expect(t.time.getTime()).toBe(0);
    expect(tick(t)).toBe(t);
  });

  it("a record whose Date was forced to an invalid time (Date.prototype.setTime.call) is validated again and rejected", () => {
    const t = tick({ time: 0, symbol: "AAPL", price: "1.5", volume: 1 });
    Date.prototype.setTime.call(t.time, Number.NaN);
    expect(() => tick(t)).toThrow(ValidationError);
    const b = ohlcv({ time: 0, symbol: "AAPL", open: 1, high: 2, low: 1, close: 2, volume: 3 });
    expect(ohlcv(b)).toBe(b);
    Date.prototype.setTime.call(b.time, Number.NaN);
    expect(() => ohlcv(b)).toThrow(ValidationError);
  });
});
