import { InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import {
  CacheType,
  EventType,
  ManualClock,
  OperatingState,
  Priority,
  ReadOnlyError,
  SafetyState,
  ValidationError,
} from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { describe, expect, it } from "vitest";
import { ofType, rig } from "./support.js";

describe("safety states", () => {
  for (const state of [SafetyState.NORMAL, SafetyState.WARNING]) {
    it(`${state}: reads and writes work normally`, async () => {
      const { manager, cache } = rig();
      await manager.setSafetyState(SafetyState.FAIL);
      await manager.setSafetyState(state);
      expect(manager.safetyState).toBe(state);
      await expect(manager.updatePositionOnFill("AAPL", "1", "1")).resolves.toBe(true);
      await expect(manager.pushPrice("AAPL", { p: "1" })).resolves.toBe(true);
      await expect(manager.setCached(CacheType.RISK, "r", { v: "1" })).resolves.toBe(true);
      expect(await cache.get("pos:AAPL")).not.toBeNull();
      expect(await manager.getPrice("AAPL")).toEqual({ p: "1" });
    });
  }

  it("FAIL: cache and DB are read-only (writes reject with ReadOnlyError), reads keep working", async () => {
    const { manager, db, faulty, events } = rig();
    await manager.updatePositionOnFill("AAPL", "1", "1");
    await manager.pushPrice("AAPL", { p: "1" });
    await manager.setCached(CacheType.ORDER, "o", { s: "NEW" });
    await manager.setSafetyState(SafetyState.FAIL);
    const sets = faulty.calls.set;
    const writes = db.updatePositionCalls;
    const err = await manager.updatePositionOnFill("AAPL", "2", "2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadOnlyError);
    expect((err as ReadOnlyError).state).toBe("FAIL");
    await expect(manager.pushPrice("AAPL", { p: "2" })).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(manager.setCached(CacheType.ORDER, "o", { s: "X" })).rejects.toBeInstanceOf(ReadOnlyError);
    expect(faulty.calls.set).toBe(sets);
    expect(db.updatePositionCalls).toBe(writes);
    expect((await manager.getPosition("AAPL"))?.qty.eq(1)).toBe(true);
    expect(await manager.getPrice("AAPL")).toEqual({ p: "1" });
    expect(await manager.getCached(CacheType.ORDER, "o")).toEqual({ s: "NEW" });
    // a miss in FAIL reads the DB but does not fill the read-only cache
    await db.updatePosition("MSFT", "3", "3");
    expect((await manager.getPosition("MSFT"))?.qty.eq(3)).toBe(true);
    expect(faulty.calls.set).toBe(sets);
    // invalidation still works: removing can only make reads fresher
    expect(await manager.invalidate(CacheType.ORDER, "o")).toBe(true);
    const changed = ofType(events, EventType.SAFETY_STATE_CHANGED);
    expect(changed.at(-1)).toMatchObject({
      priority: Priority.P1_HIGH,
      payload: { from: "NORMAL", to: "FAIL" },
    });
  });

  it("a write queued before FAIL does not reach the DB after it", async () => {
    const { manager, db } = rig();
    db.writeDelay = () => 5;
    const first = manager.updatePositionOnFill("AAPL", "1", "1");
    const second = manager.updatePositionOnFill("AAPL", "2", "2"); // queued behind the first
    await manager.setSafetyState(SafetyState.FAIL);
    await expect(first).resolves.toBe(true);
    await expect(second).rejects.toBeInstanceOf(ReadOnlyError);
    expect((await db.fetchPosition("AAPL"))?.qty.eq(1)).toBe(true);
  });

  it("LOCKDOWN: flushes this manager's keys before settling, bypasses the cache, DB read-only; NORMAL re-enables", async () => {
    const { manager, db, faulty, cache, events } = rig({ namespace: "a:" });
    const other = new CacheManager(faulty, db, { namespace: "b:", metricsIntervalMs: 0 });
    await manager.updatePositionOnFill("AAPL", "1", "1");
    await manager.pushPrice("AAPL", { p: "1" });
    await manager.setCached(CacheType.STRATEGY, "s", { k: "v" });
    await other.pushPrice("AAPL", { p: "other" });
    await manager.getPosition("AAPL");

    await manager.setSafetyState(SafetyState.LOCKDOWN);
    expect(manager.safetyState).toBe(SafetyState.LOCKDOWN);
    for (const key of ["a:pos:AAPL", "a:price:AAPL", "a:strat:s"]) expect(await cache.get(key)).toBeNull();
    expect(await cache.get("b:price:AAPL")).toEqual({ p: "other" });
    expect(manager.getStats(CacheType.POSITION).hitCount).toBe(0); // flush resets the stats
    const lock = ofType(events, EventType.SAFETY_STATE_CHANGED).at(-1)!;
    expect(lock.payload).toMatchObject({ to: "LOCKDOWN", flushedKeys: 3, flushError: "" });

    const calls = faulty.totalCalls;
    expect((await manager.getPosition("AAPL"))?.qty.eq(1)).toBe(true);
    expect(await manager.getPrice("AAPL")).toBeNull();
    expect(await manager.getCached(CacheType.STRATEGY, "s")).toBeNull();
    expect(await manager.invalidate(CacheType.STRATEGY, "s")).toBe(false);
    await expect(manager.updatePositionOnFill("AAPL", "2", "2")).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(manager.pushPrice("AAPL", { p: "2" })).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(manager.setCached(CacheType.RISK, "r", { v: "1" })).rejects.toBeInstanceOf(ReadOnlyError);
    expect(faulty.totalCalls).toBe(calls);
    expect(db.updatePositionCalls).toBe(1);

    await manager.setSafetyState(SafetyState.NORMAL);
    await expect(manager.updatePositionOnFill("AAPL", "3", "3")).resolves.toBe(true);
    expect((await manager.getPosition("AAPL"))?.qty.eq(3)).toBe(true);
    expect(manager.getStats(CacheType.POSITION).hitCount).toBe(1);
    await expect(manager.pushPrice("AAPL", { p: "3" })).resolves.toBe(true);
    expect(await manager.getPrice("AAPL")).toEqual({ p: "3" });
    await other.close();
  });

  it("LOCKDOWN waits for a write-through already in flight, so its cache write cannot outlive the flush", async () => {
    const { manager, faulty, cache } = rig();
    faulty.setDelay = () => 10;
    const write = manager.updatePositionOnFill("AAPL", "1", "1");
    await new Promise((r) => setTimeout(r, 2)); // the cache write is now in flight
    await manager.setSafetyState(SafetyState.LOCKDOWN);
    await write;
    expect(await cache.get("pos:AAPL")).toBeNull();
  });

  it("a LOCKDOWN flush that fails still locks down, reports it and is retried on the way out", async () => {
    const { manager, faulty, cache, events } = rig({ threshold: 100 });
    await manager.pushPrice("AAPL", { p: "1" });
    faulty.modes.delete = "fail";
    await manager.setSafetyState(SafetyState.LOCKDOWN);
    expect(manager.safetyState).toBe(SafetyState.LOCKDOWN);
    expect(ofType(events, EventType.SAFETY_STATE_CHANGED).at(-1)!.payload).toMatchObject({
      flushedKeys: null,
    });
    expect(String(ofType(events, EventType.SAFETY_STATE_CHANGED).at(-1)!.payload.flushError)).toMatch(
      /injected/,
    );
    faulty.modes.delete = "ok";
    await manager.setSafetyState(SafetyState.NORMAL);
    expect(await cache.get("price:AAPL")).toBeNull();
  });

  it("rejects an unknown state with ValidationError", async () => {
    const { manager } = rig();
    await expect(manager.setSafetyState("PANIC" as SafetyState)).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.setOperatingState("FAST" as OperatingState)).rejects.toBeInstanceOf(ValidationError);
  });

  it("starts in the state given by the options", async () => {
    const m = new CacheManager(new InMemoryCacheClient(), new InMemoryAdapter(), {
      safetyState: SafetyState.FAIL,
      metricsIntervalMs: 0,
    });
    await expect(m.pushPrice("A", { p: "1" })).rejects.toBeInstanceOf(ReadOnlyError);
    await m.close();
  });
});

describe("operating states", () => {
  it("AGGRESSIVE: price TTL 50 ms; BALANCED: defaults; DEFENSIVE: position TTL 5000 ms — on the next write", async () => {
    const { manager, cache, clock, events } = rig();
    expect(manager.ttlMs(CacheType.PRICE)).toBe(100);
    await manager.pushPrice("OLD", { p: "1" }); // written with 100 ms

    await manager.setOperatingState(OperatingState.AGGRESSIVE);
    expect(manager.operatingState).toBe(OperatingState.AGGRESSIVE);
    await manager.pushPrice("NEW", { p: "1" });
    clock.advance(50);
    expect(await cache.get("price:NEW")).toBeNull();
    expect(await cache.get("price:OLD")).not.toBeNull(); // earlier writes keep their TTL
    expect(manager.ttlMs(CacheType.POSITION)).toBe(1000);

    await manager.setOperatingState(OperatingState.DEFENSIVE);
    expect(manager.ttlMs(CacheType.PRICE)).toBe(100);
    await manager.updatePositionOnFill("AAPL", "1", "1");
    clock.advance(4999);
    expect(await cache.get("pos:AAPL")).not.toBeNull();
    clock.advance(1);
    expect(await cache.get("pos:AAPL")).toBeNull();

    await manager.setOperatingState(OperatingState.BALANCED);
    await manager.updatePositionOnFill("AAPL", "2", "2");
    clock.advance(1000);
    expect(await cache.get("pos:AAPL")).toBeNull();

    const changes = ofType(events, EventType.OPERATING_STATE_CHANGED);
    expect(changes.map((e) => e.payload.to)).toEqual(["AGGRESSIVE", "DEFENSIVE", "BALANCED"]);
    expect(changes[0]!.priority).toBe(Priority.P2_MEDIUM);
    expect(changes[0]!.payload.ttlMs).toMatchObject({ price: 50 });
  });

  it("the operating state's TTL wins over an instance override; other overrides stay", async () => {
    const { manager } = rig({ ttlOverridesMs: { price: 500, risk: 7 } });
    expect(manager.ttlMs(CacheType.PRICE)).toBe(500);
    await manager.setOperatingState(OperatingState.AGGRESSIVE);
    expect(manager.ttlMs(CacheType.PRICE)).toBe(50);
    expect(manager.ttlMs(CacheType.RISK)).toBe(7);
  });

  it("starts in the operating state given by the options", async () => {
    const clock = new ManualClock(0);
    const m = new CacheManager(new InMemoryCacheClient({ clock }), new InMemoryAdapter(), {
      clock,
      operatingState: OperatingState.DEFENSIVE,
      metricsIntervalMs: 0,
    });
    expect(m.ttlMs(CacheType.POSITION)).toBe(5000);
    await m.close();
  });
});
