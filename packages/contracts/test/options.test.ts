import { describe, expect, it } from "vitest";
import { ConfigError, IssueCollector, opt, systemClock, ValidationError } from "../src/index.js";

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

describe("IssueCollector: the collecting mode", () => {
  it("runs the same validators, records every failure with its value shown, and returns the defaults", () => {
    const issues = new IssueCollector();
    expect(issues.opt.int(0, "maxConnections", 20, 1)).toBe(20);
    expect(issues.opt.ms(-1, "recoveryMs", 1000)).toBe(1000);
    expect(issues.opt.bool("yes", "tls", false)).toBe(false);
    expect(issues.opt.oneOf("fast", "mode", "auto", ["auto", "off"] as const)).toBe("auto");
    expect(issues.opt.str(7, "host", "localhost")).toBe("localhost");
    expect(issues.opt.int(5, "port", 1, 1)).toBe(5);
    expect(issues.opt.object(null as unknown as object)).toEqual({});
    expect(issues.issues).toEqual([
      { variable: "maxConnections", value: "0", reason: "must be an integer >= 1" },
      { variable: "recoveryMs", value: "-1", reason: "must be a finite number of milliseconds >= 0" },
      { variable: "tls", value: "yes", reason: "must be true or false" },
      { variable: "mode", value: "fast", reason: 'must be one of "auto", "off"' },
      { variable: "host", value: "7", reason: "must be a non-empty string" },
      { variable: "options", value: "null", reason: "must be an object" },
    ]);
  });

  it("reports the same reason as the throwing validator", () => {
    const issues = new IssueCollector();
    issues.opt.int(1.5, "n", 5, 1, 10);
    try {
      opt.int(1.5, "n", 5, 1, 10);
      throw new Error("expected a ValidationError");
    } catch (e) {
      expect((e as ValidationError).reason).toBe(issues.issues[0]?.reason);
    }
  });

  it("throwIfAny throws one ConfigError listing every issue, and nothing when there is none", () => {
    const clean = new IssueCollector();
    clean.opt.int(3, "n", 1, 1);
    expect(() => clean.throwIfAny()).not.toThrow();

    const issues = new IssueCollector();
    issues.opt.int(-1, "port", 6379, 1, 65_535);
    issues.add("schema", "Bad-Name", "must be a lower-case SQL identifier");
    let thrown: unknown;
    try {
      issues.throwIfAny();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.issues.map((i) => i.variable)).toEqual(["port", "schema"]);
    expect(error.message).toContain("port=-1: must be an integer in 1..65535");
    expect(error.message).toContain("schema=Bad-Name: must be a lower-case SQL identifier");
  });

  it("check relabels a failure: variable, value (a secret redacted), reason or a function of it", () => {
    const issues = new IssueCollector();
    const fromUrl = {
      variable: "QTS_REDIS_URL",
      value: "redis://:***@h:0",
      reason: (r: string) => `port ${r}`,
    };
    expect(issues.check(() => opt.int(0, "port", 6379, 1, 65_535), 6379, fromUrl)).toBe(6379);
    issues.check(() => opt.str(5, "password", "", true), "", { value: "[redacted]" });
    issues.check(() => opt.int(0, "db", 0, 1, 9), 0, { reason: "must be an integer between 1 and 9" });
    expect(issues.issues).toEqual([
      { variable: "QTS_REDIS_URL", value: "redis://:***@h:0", reason: "port must be an integer in 1..65535" },
      { variable: "password", value: "[redacted]", reason: "must be a string" },
      { variable: "db", value: "0", reason: "must be an integer between 1 and 9" },
    ]);
    expect(issues.check(() => 42, 0)).toBe(42);
  });

  it("check takes in a ConfigError's issues and rethrows anything else", () => {
    const issues = new IssueCollector();
    const inner = new ConfigError([
      { variable: "QTS_DB_POOL_MAX", value: "x", reason: "must be an integer" },
    ]);
    expect(
      issues.check(() => {
        throw inner;
      }, null),
    ).toBeNull();
    expect(issues.issues).toEqual([
      { variable: "QTS_DB_POOL_MAX", value: "x", reason: "must be an integer" },
    ]);
    expect(() =>
      issues.check(() => {
        throw new TypeError("a bug");
      }, null),
    ).toThrow(TypeError);
  });

  it("does not repeat an issue; onePerVariable keeps only the first of each variable", () => {
    const issues = new IssueCollector();
    issues.add("tls", "maybe", "must be true or false");
    issues.add("tls", "maybe", "must be true or false");
    issues.add("tls", "maybe", "another rule");
    expect(issues.issues).toHaveLength(2);

    const first = new IssueCollector({ onePerVariable: true });
    first.add("QTS_DB_POOL_MIN", "2000", "must be an integer between 0 and 1000");
    first.add("QTS_DB_POOL_MIN", "2000", "must be <= maxConnections (20)");
    first.add("QTS_DB_POOL_MAX", "0", "must be an integer between 1 and 1000");
    expect(first.issues.map((i) => [i.variable, i.reason])).toEqual([
      ["QTS_DB_POOL_MIN", "must be an integer between 0 and 1000"],
      ["QTS_DB_POOL_MAX", "must be an integer between 1 and 1000"],
    ]);
  });
});
