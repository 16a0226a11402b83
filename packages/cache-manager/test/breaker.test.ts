import { CircuitState } from "@qts/cache";
import { CacheType, CacheUnavailableError, EventType, Priority, positionFromHash } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { ofType, rig, sleep } from "./support.js";

describe("circuit breaker around every cache call", () => {
  it("opens after the threshold; while OPEN no cache call is made, positions come from the DB, prices are null", async () => {
    const { manager, faulty, db } = rig({ threshold: 3 });
    await db.updatePosition("AAPL", "4", "10");
    faulty.mode = "fail";
    for (let i = 0; i < 3; i++) expect(await manager.getPrice("AAPL")).toBeNull();
    expect(manager.isCircuitOpen()).toBe(true);
    expect(manager.circuitState).toBe(CircuitState.OPEN);

    faulty.mode = "ok";
    await manager.pushPrice("AAPL", { p: "1" }).catch(() => undefined);
    const callsWhenOpened = faulty.totalCalls;
    expect((await manager.getPosition("AAPL"))?.qty.eq(4)).toBe(true);
    expect(await manager.getPrice("AAPL")).toBeNull();
    expect(await manager.getCached(CacheType.RISK, "x")).toBeNull();
    await expect(manager.pushPrice("AAPL", { p: "1" })).rejects.toBeInstanceOf(CacheUnavailableError);
    await expect(manager.setCached(CacheType.RISK, "x", { a: "1" })).rejects.toBeInstanceOf(
      CacheUnavailableError,
    );
    await expect(manager.updatePositionOnFill("AAPL", "5", "10")).resolves.toBe(true); // DB still written
    expect((await db.fetchPosition("AAPL"))?.qty.eq(5)).toBe(true);
    expect(faulty.totalCalls).toBe(callsWhenOpened);
    // open-circuit fallbacks are neither hits, misses nor errors
    expect(manager.getStats(CacheType.PRICE)).toMatchObject({ hitCount: 0, missCount: 0, errorCount: 3 });
    expect(manager.getStats(CacheType.POSITION)).toMatchObject({ hitCount: 0, missCount: 0, errorCount: 0 });
  });

  it("timeouts count as failures and open the circuit", async () => {
    const { manager, faulty } = rig({ threshold: 2, cacheTimeoutMs: 10 });
    faulty.mode = "hang";
    await manager.getPrice("A");
    await manager.getPrice("A");
    expect(manager.isCircuitOpen()).toBe(true);
    expect(manager.getStats(CacheType.PRICE).errorCount).toBe(2);
  });

  it("publishes BROKER_DISCONNECT (P0_CRITICAL) exactly once per transition to OPEN", async () => {
    const { manager, faulty, events } = rig({ threshold: 2 });
    faulty.mode = "fail";
    for (let i = 0; i < 10; i++) await manager.getPrice("A");
    for (let i = 0; i < 10; i++) await manager.getPosition("A");
    const disconnects = ofType(events, EventType.BROKER_DISCONNECT);
    expect(disconnects).toHaveLength(1);
    expect(disconnects[0]!.priority).toBe(Priority.P0_CRITICAL);
    expect(disconnects[0]!.source).toBe("cache-manager");
    expect(disconnects[0]!.payload).toMatchObject({ from: "CLOSED", to: "OPEN", failureCount: 2 });
  });

  it("recovers through one HALF_OPEN probe and publishes BROKER_RECONNECT", async () => {
    const { manager, faulty, clock, events, db } = rig({ threshold: 2, recoveryMs: 1000 });
    await db.updatePosition("AAPL", "1", "1");
    faulty.mode = "fail";
    await manager.getPrice("A");
    await manager.getPrice("A");
    expect(manager.isCircuitOpen()).toBe(true);
    faulty.mode = "ok";
    clock.advance(999);
    const before = faulty.totalCalls;
    await manager.getPrice("A");
    expect(faulty.totalCalls).toBe(before); // still OPEN: no call
    clock.advance(1);
    expect(manager.circuitState).toBe(CircuitState.HALF_OPEN);
    expect(manager.isCircuitOpen()).toBe(false);

    // Concurrent callers during the probe: exactly one real cache call, the others fall back.
    faulty.mode = "hang"; // the probe's recovery deletes hang too
    const probe = manager.getPrice("A");
    const others = await Promise.all([
      manager.getPosition("AAPL"),
      manager.getPrice("B"),
      manager.getPrice("C"),
    ]);
    expect(faulty.totalCalls).toBe(before + 1);
    expect(others[0]?.qty.eq(1)).toBe(true);
    expect(others[1]).toBeNull();
    expect(await probe).toBeNull(); // the probe timed out → OPEN again
    expect(manager.isCircuitOpen()).toBe(true);
    // Still the same outage: the failed probe re-opens the circuit without a second page.
    expect(ofType(events, EventType.BROKER_DISCONNECT)).toHaveLength(1);
    expect(ofType(events, EventType.BROKER_DISCONNECT)[0]!.payload).toMatchObject({
      from: "CLOSED",
      to: "OPEN",
    });

    faulty.mode = "ok";
    clock.advance(1000);
    await manager.pushPrice("A", { p: "1" }); // the probe succeeds
    expect(manager.circuitState).toBe(CircuitState.CLOSED);
    const reconnects = ofType(events, EventType.BROKER_RECONNECT);
    expect(reconnects).toHaveLength(1);
    expect(reconnects[0]!.priority).toBe(Priority.P1_HIGH);
    expect(await manager.getPrice("A")).toEqual({ p: "1" });
  });

  it("a success resets the consecutive failure count", async () => {
    const { manager, faulty, breaker } = rig({ threshold: 3 });
    faulty.mode = "fail";
    await manager.getPrice("A");
    await manager.getPrice("A");
    faulty.mode = "ok";
    await manager.getPrice("A");
    expect(breaker.failureCount).toBe(0);
    faulty.mode = "fail";
    await manager.getPrice("A");
    await manager.getPrice("A");
    expect(manager.isCircuitOpen()).toBe(false);
  });

  it("a fill while OPEN writes the DB only, and the stale cached position is deleted once the cache is back", async () => {
    const { manager, faulty, clock, db, cache } = rig({
      threshold: 1,
      recoveryMs: 1000,
      ttlOverridesMs: { position: 60_000 },
    });
    await manager.updatePositionOnFill("AAPL", "1", "1");
    faulty.mode = "fail";
    await manager.getPrice("X"); // opens
    faulty.mode = "ok";
    const reads = db.fetchPositionCalls;
    const calls = faulty.totalCalls;
    await expect(manager.updatePositionOnFill("AAPL", "2", "2")).resolves.toBe(true);
    expect(faulty.totalCalls).toBe(calls);
    expect(db.fetchPositionCalls).toBe(reads); // no read-back that could not be cached anyway
    expect(positionFromHash((await cache.get("pos:AAPL"))!).qty.eq(1)).toBe(true); // stale, for now
    clock.advance(1000);
    await manager.getPrice("X"); // probe succeeds → CLOSED → deferred delete
    await sleep(5);
    expect(await cache.get("pos:AAPL")).toBeNull();
    expect((await manager.getPosition("AAPL"))?.qty.eq(2)).toBe(true);
  });
});
