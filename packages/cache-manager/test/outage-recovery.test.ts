import { CircuitState } from "@qts/cache";
import { CacheType, EventType, positionFromHash } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { ofType, rig, sleep } from "./support.js";

const qtyOf = async (get: Promise<Record<string, string> | null>): Promise<string | null> => {
  const hash = await get;
  return hash === null ? null : positionFromHash(hash).qty.toString();
};

describe("closing after an outage never serves entries older than the store (issue 17 item 2)", () => {
  it("the HALF_OPEN probe serves nothing and deletes the pending keys before the circuit reports CLOSED", async () => {
    const { manager, faulty, clock, cache, breaker, events } = rig({
      threshold: 1,
      recoveryMs: 1000,
      ttlOverridesMs: { position: 60_000, price: 60_000 },
    });
    await manager.updatePositionOnFill("AAPL", "1", "1");
    await manager.pushPrice("X", { p: "1" });
    faulty.mode = "fail";
    expect(await manager.getPrice("X")).toBeNull(); // opens
    expect(manager.isCircuitOpen()).toBe(true);
    faulty.mode = "ok";
    await manager.updatePositionOnFill("AAPL", "2", "2"); // the DB only: the cached qty 1 is now older
    // What the cache holds at the moment the circuit reports CLOSED.
    let atClose: Promise<string | null> | null = null;
    breaker.onStateChange((to) => {
      if (to === CircuitState.CLOSED) atClose = qtyOf(cache.get("pos:AAPL"));
    });
    clock.advance(1000);
    expect(await manager.getPrice("X")).toBeNull(); // the probe: the price is there, yet not served
    expect(manager.circuitState).toBe(CircuitState.CLOSED);
    expect(atClose).not.toBeNull();
    expect(await atClose).toBeNull(); // deleted before CLOSED, not after
    expect((await manager.getPosition("AAPL"))?.qty.toString()).toBe("2");
    expect(await qtyOf(cache.get("pos:AAPL"))).toBe("2"); // filled again from the DB
    expect(ofType(events, EventType.BROKER_RECONNECT)).toHaveLength(1);
  });

  it("a probe whose deletes fail re-opens the circuit and keeps the keys pending", async () => {
    const { manager, faulty, clock, cache } = rig({
      threshold: 1,
      recoveryMs: 1000,
      ttlOverridesMs: { position: 60_000 },
    });
    await manager.updatePositionOnFill("AAPL", "1", "1");
    faulty.mode = "fail";
    await manager.getPrice("X");
    faulty.mode = "ok";
    await manager.updatePositionOnFill("AAPL", "2", "2");
    faulty.modes.delete = "fail";
    clock.advance(1000);
    expect((await manager.getPosition("AAPL"))?.qty.toString()).toBe("2"); // the probe: from the DB
    expect(manager.isCircuitOpen()).toBe(true);
    expect(await qtyOf(cache.get("pos:AAPL"))).toBe("1");
    faulty.modes.delete = "ok";
    clock.advance(1000);
    await manager.getPosition("AAPL"); // the next probe
    expect(manager.circuitState).toBe(CircuitState.CLOSED);
    expect(await cache.get("pos:AAPL")).toBeNull();
  });

  it("a key whose write and delete both failed is not served while CLOSED, and is deleted once the cache answers", async () => {
    const { manager, faulty, cache } = rig({ threshold: 100, ttlOverridesMs: { position: 60_000 } });
    await manager.updatePositionOnFill("AAPL", "1", "1");
    faulty.modes.set = "fail";
    faulty.modes.delete = "fail";
    await manager.updatePositionOnFill("AAPL", "2", "2");
    expect(manager.circuitState).toBe(CircuitState.CLOSED);
    expect(await qtyOf(cache.get("pos:AAPL"))).toBe("1"); // still in the cache...
    expect((await manager.getPosition("AAPL"))?.qty.toString()).toBe("2"); // ...but never served
    faulty.modes.delete = "ok";
    await manager.getCached(CacheType.ORDER, "any"); // a successful call starts the background deletes
    await sleep(5);
    expect(await cache.get("pos:AAPL")).toBeNull();
    faulty.modes.set = "ok";
    expect((await manager.getPosition("AAPL"))?.qty.toString()).toBe("2");
    expect(manager.getStats(CacheType.POSITION).hitCount).toBe(0);
  });

  it("a cache write given up on at the deadline that lands later is deleted after it lands", async () => {
    const { manager, faulty, cache } = rig({
      threshold: 100,
      cacheTimeoutMs: 20,
      ttlOverridesMs: { position: 60_000 },
    });
    const delays = [80];
    faulty.setDelay = () => delays.shift() ?? 0;
    await manager.updatePositionOnFill("AAPL", "1", "1"); // its cache write times out, then lands at ~80 ms
    await manager.updatePositionOnFill("AAPL", "2", "2"); // cached at once
    expect(await qtyOf(cache.get("pos:AAPL"))).toBe("2");
    await sleep(150);
    // The late write of qty 1 landed over qty 2 (a plain client, no version check), then was deleted.
    expect(await qtyOf(cache.get("pos:AAPL"))).not.toBe("1");
    expect((await manager.getPosition("AAPL"))?.qty.toString()).toBe("2");
  });
});
