import { afterEach, describe, expect, it, vi } from "vitest";
import {
  cacheKey,
  DECIMAL_LIMITS,
  Decimal,
  decimalToPlain,
  ledgerEntry,
  MAX_DATE_MS,
  MAX_TEXT_LENGTH,
  MIN_DATE_MS,
  normalizeLedgerQuery,
  ohlcv,
  position,
  positionFromHash,
  positionToHash,
  tick,
  toDecimal,
  validateDate,
  validateSymbol,
  validateText,
  validateTimeRange,
} from "../src/index.js";
import { expectValidation } from "./helpers.js";

// Inputs every store (memory, PostgreSQL, Sheets, Redis) can hold exactly: the factories are the one gate.

const BASE_TICK = { time: 0, symbol: "AAPL", price: "1", volume: 1 };
const BASE_ENTRY = { timestamp: 0, symbol: "AAPL", side: "BUY" as const, qty: "1", price: "1", amount: "1" };
const BASE_BAR = { time: 0, symbol: "AAPL", open: 1, high: 1, low: 1, close: 1, volume: 1 };
const BASE_POSITION = { symbol: "AAPL", qty: "1", avgPrice: "1" };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("decimal bounds", () => {
  it("accepts the documented extremes exactly", () => {
    const maxInteger = "9".repeat(DECIMAL_LIMITS.maxIntegerDigits);
    expect(decimalToPlain(toDecimal(maxInteger, "x"))).toBe(maxInteger);
    const minFraction = `0.${"0".repeat(DECIMAL_LIMITS.maxFractionDigits - 1)}1`;
    expect(decimalToPlain(toDecimal("1e-1000", "x"))).toBe(minFraction);
    const widest = `${"1".repeat(500)}.${"1".repeat(500)}`;
    expect(decimalToPlain(toDecimal(widest, "x"))).toBe(widest);
    expect(decimalToPlain(toDecimal("-1e999", "x"))).toBe(`-1${"0".repeat(999)}`);
    expect(toDecimal(5e-324, "x").eq("5e-324")).toBe(true);
    expect(toDecimal(Number.MAX_VALUE, "x").eq(String(Number.MAX_VALUE))).toBe(true);
  });

  it.each([
    ["1e1000 (1001 digits before the point)", "1e1000"],
    ["1e100000000", "1e100000000"],
    ["-1e100000000", "-1e100000000"],
    ["1e-1001 (1001 digits after the point)", "1e-1001"],
    ["1e-100000000", "1e-100000000"],
    ["1001 significant digits", `0.${"1".repeat(1001)}`],
    ["1001 integer digits", "1".repeat(1001)],
    ["a string over 4096 characters", `1${"0".repeat(DECIMAL_LIMITS.maxTextLength)}`],
  ])("rejects %s", (_name, value) => {
    expectValidation(() => toDecimal(value, "qty"), "qty", value);
  });

  it("rejects an out-of-range Decimal instance too", () => {
    const huge = new Decimal("1e100000000");
    expectValidation(() => toDecimal(huge, "price"), "price");
    expectValidation(() => toDecimal(new Decimal("1e-5000"), "price"), "price");
  });

  it("rejects without formatting the value: toFixed is never called and every factory refuses it", () => {
    const toFixed = vi.spyOn(Decimal.prototype, "toFixed");
    expectValidation(() => tick({ ...BASE_TICK, price: "1e100000000" }), "price", "1e100000000");
    expectValidation(() => ledgerEntry({ ...BASE_ENTRY, qty: "1e100000000" }), "qty", "1e100000000");
    expectValidation(() => ohlcv({ ...BASE_BAR, high: "1e100000000" }), "high", "1e100000000");
    expectValidation(() => position({ ...BASE_POSITION, qty: "-1e100000000" }), "qty", "-1e100000000");
    expectValidation(
      () => position({ ...BASE_POSITION, unrealizedPnl: new Decimal("1e100000000") }),
      "unrealizedPnl",
    );
    // Formatting one such value blocks the event loop for seconds; the check reads only its exponent.
    expect(toFixed).not.toHaveBeenCalled();
  });

  it("a decoded hash is held to the same bounds", () => {
    const hash = positionToHash(position(BASE_POSITION));
    expectValidation(() => positionFromHash({ ...hash, qty: "1e1000" }), "qty", "1e1000");
  });
});

describe("text every store holds", () => {
  const NUL = "a\u0000b";
  const LONE_HIGH = "AB\ud800";
  const LONE_LOW = "\udc00AB";

  it.each([
    ["NUL", NUL],
    ["a lone high surrogate", LONE_HIGH],
    ["a lone low surrogate", LONE_LOW],
    ["surrogates in the wrong order", "\udc00\ud800"],
  ])("every text field rejects %s", (_name, bad) => {
    expectValidation(() => ledgerEntry({ ...BASE_ENTRY, strategyTag: bad }), "strategyTag", bad);
    expectValidation(() => ledgerEntry({ ...BASE_ENTRY, orderId: bad }), "orderId", bad);
    expectValidation(() => ledgerEntry({ ...BASE_ENTRY, broker: bad }), "broker", bad);
    expectValidation(() => tick({ ...BASE_TICK, source: bad }), "source", bad);
    expectValidation(() => position({ ...BASE_POSITION, market: bad }), "market", bad);
    expectValidation(() => tick({ ...BASE_TICK, symbol: bad }), "symbol", bad);
    expectValidation(() => ohlcv({ ...BASE_BAR, symbol: bad }), "symbol", bad);
    expectValidation(() => position({ ...BASE_POSITION, symbol: bad }), "symbol", bad);
  });

  it("cache keys refuse a lone surrogate too (Redis would store U+FFFD: two ids, one key)", () => {
    expectValidation(() => cacheKey("position", "AB\ud800"), "id", "AB\ud800");
    expectValidation(() => cacheKey("position", "AB\udbff"), "id", "AB\udbff");
    expect(cacheKey("position", "😀")).toBe("pos:😀");
  });

  it("keeps proper surrogate pairs, other Unicode and control characters other than NUL in free text", () => {
    expect(validateSymbol("😀X")).toBe("😀X");
    expect(validateText("tag 😀 \t\n\u0001 é", "strategyTag")).toBe("tag 😀 \t\n\u0001 é");
    expect(ledgerEntry({ ...BASE_ENTRY, orderId: "𝔘-1" }).orderId).toBe("𝔘-1");
  });

  it(`limits free text to ${MAX_TEXT_LENGTH} UTF-16 code units`, () => {
    const longest = "x".repeat(MAX_TEXT_LENGTH);
    expect(validateText(longest, "broker")).toBe(longest);
    expectValidation(() => validateText(`${longest}x`, "broker"), "broker", `${longest}x`);
  });
});

describe("time bounds", () => {
  it("accepts 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z, and both round-trip through ISO text", () => {
    for (const [ms, iso] of [
      [MIN_DATE_MS, "0001-01-01T00:00:00.000Z"],
      [MAX_DATE_MS, "9999-12-31T23:59:59.999Z"],
    ] as const) {
      const d = validateDate(ms, "time");
      expect(d.toISOString()).toBe(iso);
      expect(validateDate(iso, "time").getTime()).toBe(ms);
      expect(validateDate(new Date(ms), "time").getTime()).toBe(ms);
    }
  });

  it.each([
    ["one ms before year 1", MIN_DATE_MS - 1],
    ["one ms after year 9999", MAX_DATE_MS + 1],
    ["4714 BC (before PostgreSQL's range)", "-004714-01-01T00:00:00Z"],
    ["year 0 (1 BC)", "0000-06-01T00:00:00Z"],
    ["year 10000", "+010000-01-01T00:00:00.000Z"],
    ["the last JavaScript time", 8.64e15],
    ["a Date in year 275760", new Date(8.64e15)],
  ])("rejects %s in every time field", (_name, value) => {
    expectValidation(() => validateDate(value, "time"), "time", value);
    expectValidation(() => tick({ ...BASE_TICK, time: value }), "time", value);
    expectValidation(() => ohlcv({ ...BASE_BAR, time: value }), "time", value);
    expectValidation(() => ledgerEntry({ ...BASE_ENTRY, timestamp: value }), "timestamp", value);
    expectValidation(() => position({ ...BASE_POSITION, updatedAt: value }), "updatedAt", value);
  });
});

describe("query bounds", () => {
  it("accept any JavaScript time and are clamped to the range records can hold", () => {
    const all = validateTimeRange(new Date(-8.64e15), new Date(8.64e15));
    expect(all.start.getTime()).toBe(MIN_DATE_MS);
    expect(all.end.getTime()).toBe(MAX_DATE_MS + 1);
    const q = normalizeLedgerQuery({ start: new Date(-8.64e15), end: new Date(8.64e15) });
    expect(q.start?.getTime()).toBe(MIN_DATE_MS);
    expect(q.end?.getTime()).toBe(MAX_DATE_MS + 1);
    const inside = validateTimeRange("2024-01-01", "2024-01-02");
    expect(inside.end.toISOString()).toBe("2024-01-02T00:00:00.000Z");
  });

  it("compare start and end before clamping", () => {
    expectValidation(() => validateTimeRange(new Date(8.64e15), new Date(8.6e15)), "start");
  });
});
