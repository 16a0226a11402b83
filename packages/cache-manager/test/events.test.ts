import { InMemoryCacheClient } from "@qts/cache";
import { CacheManager, InProcessEventBus } from "@qts/cache-manager";
import { CacheType, createEvent, type EventSink, EventType, Priority, type QtsEvent } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { describe, expect, it } from "vitest";
import { ofType, rig, sleep } from "./support.js";

const ev = (type: EventType, priority: Priority): QtsEvent => createEvent(type, priority, "test", {});

describe("InProcessEventBus", () => {
  it("delivers by type and minimum priority; unsubscribe stops delivery", () => {
    const bus = new InProcessEventBus();
    const all: string[] = [];
    const critical: string[] = [];
    const metrics: string[] = [];
    bus.subscribe((e) => {
      all.push(e.type);
    });
    bus.subscribe((e) => void critical.push(e.priority), { minPriority: Priority.P1_HIGH });
    const off = bus.subscribe((e) => void metrics.push(e.type), { types: [EventType.METRIC_RECORD] });
    bus.publish(ev(EventType.METRIC_RECORD, Priority.P3_LOW));
    bus.publish(ev(EventType.BROKER_DISCONNECT, Priority.P0_CRITICAL));
    bus.publish(ev(EventType.BROKER_RECONNECT, Priority.P1_HIGH));
    bus.publish(ev(EventType.OPERATING_STATE_CHANGED, Priority.P2_MEDIUM));
    off();
    off();
    bus.publish(ev(EventType.METRIC_RECORD, Priority.P3_LOW));
    expect(all).toHaveLength(5);
    expect(critical).toEqual(["P0_CRITICAL", "P1_HIGH"]);
    expect(metrics).toEqual(["METRIC_RECORD"]);
    expect(bus.subscriberCount).toBe(2);
  });

  it("a throwing or rejecting subscriber never reaches the publisher or the other subscribers", async () => {
    const errors: unknown[] = [];
    const bus = new InProcessEventBus({ onSubscriberError: (e) => errors.push(e) });
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error("boom");
    });
    bus.subscribe(async () => {
      throw new Error("async boom");
    });
    bus.subscribe((e) => void seen.push(e.type));
    expect(() => bus.publish(ev(EventType.METRIC_RECORD, Priority.P3_LOW))).not.toThrow();
    await sleep(0);
    expect(seen).toEqual(["METRIC_RECORD"]);
    expect(bus.subscriberErrors).toBe(2);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(["async boom", "boom"]);
  });

  it("keeps a bounded history of recent events", () => {
    const bus = new InProcessEventBus({ historySize: 3 });
    for (let i = 0; i < 5; i++) bus.publish(ev(EventType.METRIC_RECORD, Priority.P3_LOW));
    bus.publish(ev(EventType.BROKER_DISCONNECT, Priority.P0_CRITICAL));
    expect(bus.recent()).toHaveLength(3);
    expect(bus.recent(EventType.BROKER_DISCONNECT)).toHaveLength(1);
    expect(bus.publishedCount).toBe(6);
    bus.clearHistory();
    expect(bus.recent()).toHaveLength(0);
  });
});

describe("CacheManager events", () => {
  it("publishMetrics sends METRIC_RECORD (P3_LOW) with every type's stats", async () => {
    const { manager, events, clock } = rig();
    await manager.pushPrice("A", { p: "1" });
    await manager.getPrice("A");
    await manager.getPrice("B");
    const e = manager.publishMetrics();
    expect(e.type).toBe(EventType.METRIC_RECORD);
    expect(e.priority).toBe(Priority.P3_LOW);
    expect(e.timestamp.getTime()).toBe(clock.now());
    const stats = e.payload.stats as Record<string, { hitCount: number; missCount: number; hitRate: number }>;
    expect(Object.keys(stats).sort()).toEqual(Object.values(CacheType).sort());
    expect(stats.price).toMatchObject({ hitCount: 1, missCount: 1, hitRate: 0.5 });
    expect(e.payload).toMatchObject({
      circuitState: "CLOSED",
      safetyState: "NORMAL",
      operatingState: "BALANCED",
    });
    expect(ofType(events, EventType.METRIC_RECORD)).toHaveLength(1);
  });

  it("publishes METRIC_RECORD on the configured interval, and the default bus is reachable as `events`", async () => {
    const m = new CacheManager(new InMemoryCacheClient(), new InMemoryAdapter(), { metricsIntervalMs: 10 });
    const bus = m.events as InProcessEventBus;
    expect(bus).toBeInstanceOf(InProcessEventBus);
    await sleep(150);
    const n = bus.recent(EventType.METRIC_RECORD).length;
    expect(n).toBeGreaterThanOrEqual(2);
    await m.close();
    await sleep(30);
    expect(bus.recent(EventType.METRIC_RECORD).length).toBe(n);
  });

  it("stats snapshots are immutable and do not change afterwards", async () => {
    const { manager } = rig();
    const before = manager.getStats(CacheType.PRICE);
    await manager.getPrice("A");
    expect(before.missCount).toBe(0);
    expect(Object.isFrozen(before)).toBe(true);
    expect(Object.isFrozen(manager.getAllStats())).toBe(true);
    manager.resetStats();
    expect(manager.getStats(CacheType.PRICE).missCount).toBe(0);
  });

  it("a throwing subscriber or sink never breaks a cache call", async () => {
    const { manager, bus, faulty, db } = rig({ threshold: 1 });
    bus.subscribe(() => {
      throw new Error("subscriber down");
    });
    await db.updatePosition("A", "1", "1");
    faulty.mode = "fail";
    expect(await manager.getPrice("A")).toBeNull(); // opens the circuit → BROKER_DISCONNECT to a throwing subscriber
    expect(manager.isCircuitOpen()).toBe(true);
    expect(bus.subscriberErrors).toBeGreaterThan(0);

    const sink: EventSink = {
      publish() {
        throw new Error("sink down");
      },
    };
    const m = new CacheManager(new InMemoryCacheClient(), db, { eventSink: sink, metricsIntervalMs: 0 });
    expect(() => m.publishMetrics()).not.toThrow();
    await expect(m.setOperatingState("AGGRESSIVE")).resolves.toBeUndefined();
    expect((await m.getPosition("A"))?.qty.eq(1)).toBe(true);
    await m.close();
  });
});
