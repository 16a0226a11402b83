import { describe, expect, it } from "vitest";
import {
  Decimal,
  MAX_SYMBOL_LENGTH,
  parseIsoTime,
  position,
  toDecimal,
  toNonNegativeDecimal,
  toPositiveDecimal,
  ValidationError,
  validateDate,
  validateIntegerInRange,
  validateOptionalDate,
  validateSymbol,
  validateText,
  validateVolume,
} from "../src/index.js";
import { expectValidation } from "./helpers.js";

describe("validateSymbol", () => {
  it("trims surrounding spaces and keeps the symbol otherwise verbatim", () => {
    expect(validateSymbol("  AAPL  ")).toBe("AAPL");
    expect(validateSymbol("BRK.B")).toBe("BRK.B");
    expect(validateSymbol("005930.KS")).toBe("005930.KS");
    expect(validateSymbol("삼성전자")).toBe("삼성전자");
    expect(validateSymbol("'; DROP TABLE positions; --")).toBe("'; DROP TABLE positions; --");
  });

  it("accepts exactly 64 characters (after trimming)", () => {
    const s = "A".repeat(MAX_SYMBOL_LENGTH);
    expect(MAX_SYMBOL_LENGTH).toBe(64);
    expect(validateSymbol(s)).toBe(s);
    expect(validateSymbol(`  ${s}  `)).toBe(s);
  });

  it.each([
    ["empty", ""],
    ["spaces only", "   "],
    ["65 characters", "A".repeat(65)],
    ["a newline inside", "AA\nPL"],
    ["a trailing newline", "AAPL\n"],
    ["a tab", "AA\tPL"],
    ["a leading tab", "\tAAPL"],
    ["NUL", "AAPL\u0000"],
    ["DEL", "AA\u007fPL"],
    ["a C1 control", "AA\u0085PL"],
    ["a carriage return", "AAPL\r"],
  ])("rejects %s", (_name, value) => {
    expectValidation(() => validateSymbol(value), "symbol", value);
  });

  it.each([[123], [null], [undefined], [{}], [["AAPL"]], [true]])("rejects the non-string %j", (value) => {
    expectValidation(() => validateSymbol(value), "symbol", value);
  });

  it("names the field it was asked to check", () => {
    expectValidation(() => validateSymbol("", "ticker"), "ticker", "");
  });
});

describe("toDecimal", () => {
  it("keeps numbers at their shortest string, so 0.1 stays 0.1", () => {
    expect(toDecimal(0.1, "x").toFixed()).toBe("0.1");
    expect(toDecimal(0.1 + 0.2, "x").toFixed()).toBe("0.30000000000000004");
    expect(toDecimal(1e21, "x").toFixed()).toBe("1000000000000000000000");
    expect(toDecimal(5e-324, "x").eq("5e-324")).toBe(true);
  });

  it("parses strings exactly, in plain or exponent notation, with surrounding spaces", () => {
    expect(toDecimal("12345678901234567890.123456789", "x").toFixed()).toBe("12345678901234567890.123456789");
    expect(toDecimal("1e-12", "x").toFixed()).toBe("0.000000000001");
    expect(toDecimal(" -0.000001 ", "x").toFixed()).toBe("-0.000001");
    expect(toDecimal("+1.5E3", "x").toFixed()).toBe("1500");
    expect(toDecimal(".5", "x").toFixed()).toBe("0.5");
    expect(toDecimal("5.", "x").toFixed()).toBe("5");
    const thirty = "1.23456789012345678901234567891";
    expect(toDecimal(thirty, "x").toFixed()).toBe(thirty);
  });

  it("returns a given Decimal's value unchanged", () => {
    const d = new Decimal("3.14159265358979323846264338327950288");
    expect(toDecimal(d, "x").eq(d)).toBe(true);
  });

  it("normalises negative zero to zero", () => {
    for (const v of [-0, "-0", "-0.000", new Decimal(-0), "-0e5"]) {
      const d = toDecimal(v, "x");
      expect(d.isZero()).toBe(true);
      expect(d.isNegative()).toBe(false);
      expect(d.toFixed()).toBe("0");
    }
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ['"abc"', "abc"],
    ['""', ""],
    ['"  "', "  "],
    ['"1e"', "1e"],
    ['"NaN"', "NaN"],
    ['"Infinity"', "Infinity"],
    ['"0x10"', "0x10"],
    ['"1,5"', "1,5"],
    ['"1 000"', "1 000"],
    ['"--1"', "--1"],
    ["null", null],
    ["undefined", undefined],
    ["an object", { value: 1 }],
    ["an array", [1]],
    ["a boolean", true],
    ["a bigint", 10n],
    ["Decimal NaN", new Decimal(Number.NaN)],
    ["Decimal Infinity", new Decimal(Number.POSITIVE_INFINITY)],
    ["an exponent beyond range", "1e9000000000000000000"],
    ["an underflowing exponent", "1e-9000000000000000000"],
  ])("rejects %s", (_name, value) => {
    expectValidation(() => toDecimal(value, "price"), "price", value);
  });

  it("toNonNegativeDecimal rejects negatives and accepts 0", () => {
    expect(toNonNegativeDecimal(0, "fee").isZero()).toBe(true);
    expect(toNonNegativeDecimal("-0", "fee").isZero()).toBe(true);
    expectValidation(() => toNonNegativeDecimal("-0.000001", "fee"), "fee", "-0.000001");
    expectValidation(() => toNonNegativeDecimal(-1, "fee"), "fee", -1);
  });

  it("toPositiveDecimal rejects 0 and negatives", () => {
    expect(toPositiveDecimal("1e-12", "qty").toFixed()).toBe("0.000000000001");
    expectValidation(() => toPositiveDecimal(0, "qty"), "qty", 0);
    expectValidation(() => toPositiveDecimal("0.0", "qty"), "qty", "0.0");
    expectValidation(() => toPositiveDecimal(-5, "qty"), "qty", -5);
  });
});

describe("validateDate", () => {
  it("copies a valid Date", () => {
    const d = new Date("2024-03-01T12:00:00.123Z");
    const out = validateDate(d, "time");
    expect(out).not.toBe(d);
    expect(out.getTime()).toBe(d.getTime());
  });

  it("accepts epoch milliseconds", () => {
    expect(validateDate(0, "time").toISOString()).toBe("1970-01-01T00:00:00.000Z");
    expect(validateDate(-1, "time").toISOString()).toBe("1969-12-31T23:59:59.999Z");
  });

  it.each([
    ["2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05.678Z"],
    ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"],
    ["2024-01-02T03:04Z", "2024-01-02T03:04:00.000Z"],
    ["2024-01-02", "2024-01-02T00:00:00.000Z"],
    ["2024-01-02T03:04:05", "2024-01-02T03:04:05.000Z"],
    ["2024-01-02T03:04:05+09:00", "2024-01-01T18:04:05.000Z"],
    ["2024-01-02T03:04:05-0130", "2024-01-02T04:34:05.000Z"],
    ["2024-01-02 03:04:05.123456+00", "2024-01-02T03:04:05.123Z"],
    ["2024-02-29T00:00:00z", "2024-02-29T00:00:00.000Z"],
    ["+009999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
    ["0099-01-01T00:00:00.000Z", "0099-01-01T00:00:00.000Z"],
  ])("accepts the ISO-8601 string %s (no zone = UTC)", (text, iso) => {
    expect(validateDate(text, "time").toISOString()).toBe(iso);
    expect(parseIsoTime(text)).toBe(Date.parse(iso));
  });

  it.each([
    ["an invalid Date", new Date("x")],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["an epoch beyond the Date range", 8.64e15 + 1],
    ['"x"', "x"],
    ['""', ""],
    ['"1"', "1"],
    ['"2024/01/02"', "2024/01/02"],
    ['"Tue Jan 02 2024"', "Tue Jan 02 2024"],
    ['"2024-02-30"', "2024-02-30"],
    ['"2023-02-29"', "2023-02-29"],
    ['"2024-13-01"', "2024-13-01"],
    ['"2024-01-01T24:00:00Z"', "2024-01-01T24:00:00Z"],
    ['"2024-01-01T00:60:00Z"', "2024-01-01T00:60:00Z"],
    ['"2024-01-01T00:00:00+24:00"', "2024-01-01T00:00:00+24:00"],
    ['"2024-01-01Z"', "2024-01-01Z"],
    ["null", null],
    ["an object", {}],
    ["a boolean", true],
  ])("rejects %s", (_name, value) => {
    expectValidation(() => validateDate(value, "time"), "time", value);
  });

  it("validateOptionalDate maps null and undefined to null", () => {
    expect(validateOptionalDate(null, "updatedAt")).toBeNull();
    expect(validateOptionalDate(undefined, "updatedAt")).toBeNull();
    expectValidation(() => validateOptionalDate("nope", "updatedAt"), "updatedAt", "nope");
  });
});

describe("validateVolume", () => {
  it("accepts non-negative safe integers as numbers, digit strings and bigints", () => {
    expect(validateVolume(0)).toBe(0);
    expect(validateVolume(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(validateVolume("42")).toBe(42);
    expect(validateVolume(" +7 ")).toBe(7);
    expect(validateVolume(9n)).toBe(9);
    expect(Object.is(validateVolume(-0), 0)).toBe(true);
  });

  it.each([
    ["negative", -1],
    ["fractional", 1.5],
    ["unsafe 2**53", 2 ** 53],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a negative string", "-1"],
    ["a fractional string", "1.5"],
    ["an exponent string", "1e3"],
    ["an unsafe string", "9007199254740993"],
    ["an unsafe bigint", 2n ** 53n],
    ["a negative bigint", -1n],
    ["null", null],
    ["an empty string", ""],
  ])("rejects %s", (_name, value) => {
    expectValidation(() => validateVolume(value), "volume", value);
  });
});

describe("other validators", () => {
  it("validateText keeps strings verbatim and defaults null/undefined", () => {
    expect(validateText('=IMPORTRANGE("x")', "market")).toBe('=IMPORTRANGE("x")');
    expect(validateText("  spaced\t", "market")).toBe("  spaced\t");
    expect(validateText(undefined, "market")).toBe("");
    expect(validateText(null, "market", "dflt")).toBe("dflt");
    expectValidation(() => validateText(5, "market"), "market", 5);
  });

  it("validateIntegerInRange checks type and bounds", () => {
    expect(validateIntegerInRange(1, "limit", 1, 3)).toBe(1);
    expect(validateIntegerInRange(3, "limit", 1, 3)).toBe(3);
    for (const v of [0, 4, 1.5, Number.NaN, "2", null])
      expectValidation(() => validateIntegerInRange(v, "limit", 1, 3), "limit", v);
  });

  it("factories reject a non-object input", () => {
    for (const v of [null, undefined, "AAPL", 5, []]) {
      expect(() => position(v as never)).toThrow(ValidationError);
    }
  });
});
