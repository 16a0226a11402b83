import { InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { CacheType, ManualClock } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { describe, expect, it } from "vitest";
import { FaultyCacheClient } from "./support.js";

async function fill(m: CacheManager, tag: string): Promise<void> {
  await m.pushPrice("AAPL", { p: tag });
  await m.updatePositionOnFill("AAPL", "1", "1");
  await m.setCached(CacheType.ORDER, "o1", { s: tag });
  await m.setCached(CacheType.ORDERBOOK, "AAPL", { b: tag });
  await m.setCached(CacheType.RISK, "r", { v: tag });
  await m.setCached(CacheType.STRATEGY, "s", { k: tag });
}

describe("flush", () => {
  it("removes only this manager's keys on a namespaced client (two managers, one client) and resets stats", async () => {
    const clock = new ManualClock(0);
    const client = new InMemoryCacheClient({ clock, namespace: "qts:" });
    const db = new InMemoryAdapter({ clock });
    const a = new CacheManager(client, db, { clock, namespace: "a:", metricsIntervalMs: 0 });
    const b = new CacheManager(client, db, { clock, namespace: "b:", metricsIntervalMs: 0 });
    await client.set("foreign:key", { x: "1" }, 60_000);
    await client.set("a:extra", { x: "1" }, 60_000); // under a's namespace: a owns it
    await client.set("ab:price:AAPL", { x: "1" }, 60_000); // another namespace that merely starts with "a"
    await fill(a, "a");
    await fill(b, "b");
    await a.getPrice("AAPL");
    expect(a.getStats(CacheType.PRICE).hitCount).toBe(1);

    expect(await a.flush()).toBe(7);
    expect(a.getStats(CacheType.PRICE)).toMatchObject({ hitCount: 0, missCount: 0, errorCount: 0 });
    expect(await a.getPrice("AAPL")).toBeNull();
    expect(await b.getPrice("AAPL")).toEqual({ p: "b" });
    expect(await b.getCached(CacheType.ORDER, "o1")).toEqual({ s: "b" });
    expect(await client.get("foreign:key")).not.toBeNull();
    expect(await client.get("a:extra")).toBeNull();
    expect(await client.get("ab:price:AAPL")).not.toBeNull();
    await a.close();
    await b.close();
  });

  it("falls back to the keys it wrote when the client cannot flush by prefix", async () => {
    const clock = new ManualClock(0);
    const inner = new InMemoryCacheClient({ clock });
    const client = new FaultyCacheClient(inner);
    const db = new InMemoryAdapter({ clock });
    const a = new CacheManager(client, db, { clock, namespace: "a:", metricsIntervalMs: 0 });
    const b = new CacheManager(client, db, { clock, namespace: "b:", metricsIntervalMs: 0 });
    await fill(a, "a");
    await fill(b, "b");
    expect(await a.flush()).toBe(6);
    expect(inner.size).toBe(6);
    expect(await b.getCached(CacheType.STRATEGY, "s")).toEqual({ k: "b" });
    expect(await a.flush()).toBe(0);
    await a.close();
    await b.close();
  });

  it("with the default empty namespace it still touches only cache-type keys", async () => {
    const client = new InMemoryCacheClient();
    const m = new CacheManager(client, new InMemoryAdapter(), { metricsIntervalMs: 0 });
    await client.set("session:1", { u: "x" }, 60_000);
    await m.pushPrice("AAPL", { p: "1" });
    expect(await m.flush()).toBe(1);
    expect(await client.get("session:1")).not.toBeNull();
    await m.close();
  });
});
