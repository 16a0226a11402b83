import { describe, expect, it } from "vitest";
import {
  CacheOutOfMemoryError,
  CacheStaleDataError,
  CacheUnavailableError,
  ConfigError,
  ConflictError,
  DataSourceError,
  DataSourceUnavailableError,
  ErrorCode,
  QtsError,
  ReadOnlyError,
  ValidationError,
} from "../src/index.js";
import { describeValue, errorMessage } from "../src/internal.js";

const cause = new Error("ECONNREFUSED");

const samples = [
  [new ValidationError("qty", "x", "must be a decimal"), ValidationError, "QTS_VALIDATION"],
  [
    new ConfigError([{ variable: "QTS_DB_POOL_MAX", value: "x", reason: "must be an integer" }]),
    ConfigError,
    "QTS_CONFIG",
  ],
  [new DataSourceError("insert failed", { cause, source: "timescale" }), DataSourceError, "QTS_DATA_SOURCE"],
  [
    new DataSourceUnavailableError("cannot reach", { cause, source: "timescale" }),
    DataSourceUnavailableError,
    "QTS_DATA_SOURCE_UNAVAILABLE",
  ],
  [new ReadOnlyError("safety state FAIL", "FAIL"), ReadOnlyError, "QTS_READ_ONLY"],
  [new CacheUnavailableError("circuit open", { cause }), CacheUnavailableError, "QTS_CACHE_UNAVAILABLE"],
  [new CacheStaleDataError("price:AAPL", 250), CacheStaleDataError, "QTS_CACHE_STALE_DATA"],
  [new ConflictError("fill F1 conflicts", { key: "F1", fields: ["qty"] }), ConflictError, "QTS_CONFLICT"],
] as const;

describe("error classes", () => {
  it.each(samples)("%s has its class name, stable code and the QtsError/Error chain", (error, cls, code) => {
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(QtsError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(cls.name);
    expect(String(error)).toContain(cls.name);
    expect(error.stack).toContain(cls.name);
  });

  it("codes are distinct and match ErrorCode", () => {
    const codes = samples.map(([e]) => e.code);
    expect(new Set(codes).size).toBe(samples.length);
    expect(new Set(Object.values(ErrorCode))).toEqual(new Set(codes));
    expect(Object.isFrozen(ErrorCode)).toBe(true);
  });

  it("DataSourceUnavailableError is a DataSourceError; the others are not", () => {
    const unavailable = new DataSourceUnavailableError("down");
    expect(unavailable).toBeInstanceOf(DataSourceError);
    expect(new ReadOnlyError("ro")).not.toBeInstanceOf(DataSourceError);
    expect(new CacheUnavailableError("x")).not.toBeInstanceOf(DataSourceError);
    expect(new DataSourceError("x")).not.toBeInstanceOf(DataSourceUnavailableError);
  });

  it("CacheOutOfMemoryError is a CacheUnavailableError with reason OOM, the same code and its own name", () => {
    const e = new CacheOutOfMemoryError("Redis set failed: out of memory (OOM)", { cause });
    expect(e).toBeInstanceOf(CacheUnavailableError);
    expect(e.code).toBe(ErrorCode.CACHE_UNAVAILABLE);
    expect(e.reason).toBe("OOM");
    expect(e.name).toBe("CacheOutOfMemoryError");
    expect(e.cause).toBe(cause);
    expect(new CacheUnavailableError("x")).not.toBeInstanceOf(CacheOutOfMemoryError);
  });

  it("keeps cause and source", () => {
    const e = new DataSourceUnavailableError("cannot reach", { cause, source: "timescale" });
    expect(e.cause).toBe(cause);
    expect(e.source).toBe("timescale");
    expect(new DataSourceError("x", { cause }).cause).toBe(cause);
    expect(new CacheUnavailableError("x", { cause }).cause).toBe(cause);
    const plain = new DataSourceError("x");
    expect("cause" in plain).toBe(false);
    expect(plain.source).toBe("");
  });

  it("ValidationError names the field, the value and the reason", () => {
    const e = new ValidationError("price", -1, "must be >= 0");
    expect(e.field).toBe("price");
    expect(e.value).toBe(-1);
    expect(e.reason).toBe("must be >= 0");
    expect(e.message).toBe("Invalid price: must be >= 0 (got -1)");
  });

  it("ValidationError can redact a secret value", () => {
    const e = new ValidationError("password", "hunter2", "is too short", { redact: true });
    expect(e.value).toBe("[redacted]");
    expect(e.message).not.toContain("hunter2");
    expect(e.stack).not.toContain("hunter2");
  });

  it("ConfigError lists every issue in its message and freezes them", () => {
    const e = new ConfigError([
      { variable: "A", value: "1", reason: "bad" },
      { variable: "B", value: "2", reason: "worse" },
    ]);
    expect(e.message).toContain("2 problem(s)");
    expect(e.message).toContain("A=1: bad");
    expect(e.message).toContain("B=2: worse");
    expect(Object.isFrozen(e.issues)).toBe(true);
    expect(Object.isFrozen(e.issues[0])).toBe(true);
  });

  it("ReadOnlyError and CacheStaleDataError carry their facts", () => {
    expect(new ReadOnlyError("no", "LOCKDOWN").state).toBe("LOCKDOWN");
    const stale = new CacheStaleDataError("price:AAPL", 250);
    expect(stale.key).toBe("price:AAPL");
    expect(stale.ageMs).toBe(250);
    expect(stale.message).toContain("250");
    const missing = new CacheStaleDataError("price:MSFT", null);
    expect(missing.ageMs).toBeNull();
    expect(missing.message).toContain("price:MSFT");
  });
});

describe("errorMessage", () => {
  it("is an Error's message, or anything else as a string", () => {
    expect(errorMessage(new RangeError("too far"))).toBe("too far");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(42)).toBe("42");
    expect(errorMessage(undefined)).toBe("undefined");
  });
});

describe("describeValue", () => {
  it("renders values briefly and never throws", () => {
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(null)).toBe("null");
    expect(describeValue("a\nb")).toBe('"a\\nb"');
    expect(describeValue("x".repeat(200))).toHaveLength(82);
    expect(describeValue(1.5)).toBe("1.5");
    expect(describeValue(10n)).toBe("10");
    expect(describeValue(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(describeValue(new Date("x"))).toBe("Invalid Date");
    expect(describeValue({})).toBe("[object Object]");
    expect(describeValue(Object.create(null))).toBe("[object Object]");
    const hostile = {
      toString() {
        throw new Error("boom");
      },
    };
    expect(describeValue(hostile)).toBe("[object Object]");
    expect(() => new ValidationError("x", hostile, "bad")).not.toThrow();
  });
});
