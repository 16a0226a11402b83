import { describe, expect, it } from "vitest";
import {
  CACHE_TTL_MS,
  CACHE_TYPES,
  createEvent,
  type EventSink,
  EventType,
  effectiveTtlMs,
  isOperatingState,
  isSafetyState,
  OPERATING_TTL_MS,
  OperatingState,
  PRIORITY_ORDER,
  Priority,
  type QtsEvent,
  SAFETY_POLICY,
  SafetyState,
} from "../src/index.js";

describe("EventType and Priority", () => {
  it("are frozen objects with the exact string values", () => {
    expect(EventType).toEqual({
      METRIC_RECORD: "METRIC_RECORD",
      BROKER_DISCONNECT: "BROKER_DISCONNECT",
      BROKER_RECONNECT: "BROKER_RECONNECT",
      SAFETY_STATE_CHANGED: "SAFETY_STATE_CHANGED",
      OPERATING_STATE_CHANGED: "OPERATING_STATE_CHANGED",
      DATA_SOURCE_DEGRADED: "DATA_SOURCE_DEGRADED",
    });
    expect(Priority).toEqual({
      P0_CRITICAL: "P0_CRITICAL",
      P1_HIGH: "P1_HIGH",
      P2_MEDIUM: "P2_MEDIUM",
      P3_LOW: "P3_LOW",
    });
    expect(Priority.P0_CRITICAL).toBe("P0_CRITICAL");
    expect(PRIORITY_ORDER).toEqual(["P0_CRITICAL", "P1_HIGH", "P2_MEDIUM", "P3_LOW"]);
    for (const o of [EventType, Priority, PRIORITY_ORDER]) expect(Object.isFrozen(o)).toBe(true);
  });
});

describe("createEvent", () => {
  it("builds a frozen { type, priority, timestamp, source, payload }", () => {
    const at = new Date("2024-05-01T00:00:00Z");
    const payload = { hitRate: 0.5 };
    const e = createEvent(EventType.METRIC_RECORD, Priority.P3_LOW, "cache-manager", payload, at);
    expect(e).toEqual({
      type: "METRIC_RECORD",
      priority: "P3_LOW",
      timestamp: at,
      source: "cache-manager",
      payload,
    });
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.payload)).toBe(true);
    payload.hitRate = 1;
    at.setTime(0);
    expect(e.payload.hitRate).toBe(0.5);
    expect(e.timestamp.toISOString()).toBe("2024-05-01T00:00:00.000Z");
  });

  it("stamps the current time by default and fits an EventSink", () => {
    const before = Date.now();
    const e = createEvent(EventType.BROKER_DISCONNECT, Priority.P0_CRITICAL, "cache-manager", {});
    expect(e.timestamp.getTime()).toBeGreaterThanOrEqual(before);
    expect(e.timestamp.getTime()).toBeLessThanOrEqual(Date.now());
    const seen: QtsEvent[] = [];
    const sink: EventSink = { publish: (event) => seen.push(event) };
    sink.publish(e);
    expect(seen).toEqual([e]);
  });
});

describe("SafetyState and SAFETY_POLICY", () => {
  it("are frozen, with the exact string values", () => {
    expect(SafetyState).toEqual({ NORMAL: "NORMAL", WARNING: "WARNING", FAIL: "FAIL", LOCKDOWN: "LOCKDOWN" });
    expect(SafetyState.FAIL).toBe("FAIL");
    expect(Object.isFrozen(SafetyState)).toBe(true);
    expect(Object.isFrozen(SAFETY_POLICY)).toBe(true);
    for (const p of Object.values(SAFETY_POLICY)) expect(Object.isFrozen(p)).toBe(true);
  });

  it("follows SPEC.md: NORMAL/WARNING normal, FAIL read-only, LOCKDOWN flush + no cache + DB read-only", () => {
    const normal = { cacheEnabled: true, cacheWritable: true, dbWritable: true, flushOnEnter: false };
    expect(SAFETY_POLICY.NORMAL).toEqual(normal);
    expect(SAFETY_POLICY.WARNING).toEqual(normal);
    expect(SAFETY_POLICY.FAIL).toEqual({
      cacheEnabled: true,
      cacheWritable: false,
      dbWritable: false,
      flushOnEnter: false,
    });
    expect(SAFETY_POLICY.LOCKDOWN).toEqual({
      cacheEnabled: false,
      cacheWritable: false,
      dbWritable: false,
      flushOnEnter: true,
    });
  });

  it("isSafetyState accepts only the four states (not inherited names)", () => {
    for (const s of Object.values(SafetyState)) expect(isSafetyState(s)).toBe(true);
    for (const bad of ["fail", "toString", "constructor", "__proto__", "hasOwnProperty", "", null, 0]) {
      expect(isSafetyState(bad)).toBe(false);
    }
  });
});

describe("OperatingState and effectiveTtlMs", () => {
  it("are frozen, with the exact string values", () => {
    expect(OperatingState).toEqual({
      AGGRESSIVE: "AGGRESSIVE",
      BALANCED: "BALANCED",
      DEFENSIVE: "DEFENSIVE",
    });
    expect(Object.isFrozen(OperatingState)).toBe(true);
    expect(OPERATING_TTL_MS).toEqual({
      AGGRESSIVE: { price: 50 },
      BALANCED: {},
      DEFENSIVE: { position: 5000 },
    });
    for (const s of Object.values(OPERATING_TTL_MS)) expect(Object.isFrozen(s)).toBe(true);
  });

  it("isOperatingState accepts only the three states", () => {
    for (const s of Object.values(OperatingState)) expect(isOperatingState(s)).toBe(true);
    for (const bad of ["balanced", "toString", "valueOf", "__proto__", "", undefined]) {
      expect(isOperatingState(bad)).toBe(false);
    }
  });

  it("BALANCED (the default) uses CACHE_TTL_MS", () => {
    for (const type of CACHE_TYPES) {
      expect(effectiveTtlMs(type)).toBe(CACHE_TTL_MS[type]);
      expect(effectiveTtlMs(type, "BALANCED")).toBe(CACHE_TTL_MS[type]);
    }
  });

  it("AGGRESSIVE sets price to 50 ms, DEFENSIVE sets position to 5000 ms, the rest keep their defaults", () => {
    expect(effectiveTtlMs("price", "AGGRESSIVE")).toBe(50);
    expect(effectiveTtlMs("position", "AGGRESSIVE")).toBe(1000);
    expect(effectiveTtlMs("position", "DEFENSIVE")).toBe(5000);
    expect(effectiveTtlMs("price", "DEFENSIVE")).toBe(100);
    expect(effectiveTtlMs("risk", "DEFENSIVE")).toBe(5000);
  });

  it("instance overrides replace the defaults, and the operating state wins over an override", () => {
    const overrides = { price: 200, order: 1000, position: 300 };
    expect(effectiveTtlMs("price", "BALANCED", overrides)).toBe(200);
    expect(effectiveTtlMs("order", "AGGRESSIVE", overrides)).toBe(1000);
    expect(effectiveTtlMs("price", "AGGRESSIVE", overrides)).toBe(50);
    expect(effectiveTtlMs("position", "DEFENSIVE", overrides)).toBe(5000);
    expect(effectiveTtlMs("position", "AGGRESSIVE", overrides)).toBe(300);
    expect(effectiveTtlMs("strategy", "BALANCED", overrides)).toBe(60_000);
  });
});
