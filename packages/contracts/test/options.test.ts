import { describe, expect, it } from "vitest";
import { opt, systemClock, ValidationError } from "../src/index.js";

function rejects(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).message).toContain(field);
    return;
  }
  throw new Error(`expected a ValidationError for ${field}`);
}

describe("opt: the shared option validators", () => {
  it("use the default for undefined and check the given value without coercing", () => {
    expect(opt.int(undefined, "n", 5, 1)).toBe(5);
    expect(opt.int(7, "n", 5, 1, 10)).toBe(7);
    rejects(() => opt.int(0, "maxRowsPerRequest", 5, 1), "maxRowsPerRequest");
    rejects(() => opt.int("5", "n", 5, 1), "n");
    rejects(() => opt.int(1.5, "n", 5, 1), "n");
    expect(opt.ms(undefined, "t", 100)).toBe(100);
    rejects(() => opt.ms(-1, "closeDrainTimeoutMs", 5000), "closeDrainTimeoutMs");
    rejects(() => opt.ms(Number.POSITIVE_INFINITY, "t", 1), "t");
    expect(opt.str(undefined, "s", "x")).toBe("x");
    rejects(() => opt.str("", "name", "x"), "name");
    expect(opt.str("", "ns", "x", true)).toBe("");
    rejects(() => opt.bool("yes", "b", false), "b");
    expect(opt.oneOf(undefined, "m", "a", ["a", "b"] as const)).toBe("a");
    rejects(() => opt.oneOf("c", "mode", "a", ["a", "b"] as const), "mode");
    expect(opt.clock(undefined, "clock", systemClock)).toBe(systemClock);
    rejects(() => opt.clock({}, "clock", systemClock), "clock");
    rejects(() => opt.fn(3, "random", Math.random), "random");
    expect(opt.object(undefined)).toEqual({});
    rejects(() => opt.object(null as unknown as object), "options");
  });
});
