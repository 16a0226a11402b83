import { ManualClock, ValidationError } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { InMemoryCacheClient, InMemoryCacheStore } from "../src/index.js";

describe("InMemoryCacheClient namespaces", () => {
  it("keys are held under the namespace; the caller sees them without it", async () => {
    const store = new InMemoryCacheStore();
    const a = new InMemoryCacheClient({ store, namespace: "a:" });
    await a.set("pos:AAPL", { qty: "1" }, 60_000);
    expect([...store.entries.keys()]).toEqual(["a:pos:AAPL"]);
    expect(await a.get("pos:AAPL")).toEqual({ qty: "1" });
    expect((await a.getMany(["pos:AAPL"])).get("pos:AAPL")).toEqual({ qty: "1" });
    // A client without a namespace on the same store sees the full key, as a raw Redis client would.
    const root = new InMemoryCacheClient({ store });
    expect(await root.get("a:pos:AAPL")).toEqual({ qty: "1" });
    expect(await root.get("pos:AAPL")).toBeNull();
  });

  it("two clients on one store never see, overwrite, delete or flush each other's keys", async () => {
    const clock = new ManualClock(0);
    const store = new InMemoryCacheStore();
    const a = new InMemoryCacheClient({ store, namespace: "a:", clock });
    const b = new InMemoryCacheClient({ store, namespace: "b:", clock });
    const ab = new InMemoryCacheClient({ store, namespace: "ab:", clock });
    for (const [client, tag] of [
      [a, "a"],
      [b, "b"],
      [ab, "ab"],
    ] as const) {
      await client.set("pos:AAPL", { who: tag }, 60_000);
      await client.set("price:AAPL", { who: tag }, 60_000);
      await client.setIfNewer("pos:MSFT", { who: tag }, 60_000, tag === "b" ? 1 : 5);
    }
    expect(store.size).toBe(9);
    expect(await a.get("pos:AAPL")).toEqual({ who: "a" });
    expect(await b.get("pos:AAPL")).toEqual({ who: "b" });
    // b's version 1 was applied under b: even though a: holds version 5 of the same key.
    expect(await b.get("pos:MSFT")).toEqual({ who: "b", version: "1" });

    expect(await b.delete("pos:AAPL")).toBe(true);
    expect(await a.get("pos:AAPL")).toEqual({ who: "a" });

    expect(await a.flushNamespace("pos:")).toBe(2);
    expect(await a.get("price:AAPL")).toEqual({ who: "a" });
    expect(await b.get("pos:MSFT")).toEqual({ who: "b", version: "1" });
    expect(await ab.get("pos:AAPL")).toEqual({ who: "ab" }); // "ab:" merely starts with "a"
    expect(await a.flushNamespace()).toBe(1);
    expect(await b.getMany(["price:AAPL", "pos:MSFT"])).toEqual(
      new Map([
        ["price:AAPL", { who: "b" }],
        ["pos:MSFT", { who: "b", version: "1" }],
      ]),
    );
    expect(await ab.flushNamespace()).toBe(3);
    expect([...store.entries.keys()].sort()).toEqual(["b:pos:MSFT", "b:price:AAPL"]);
  });

  it("closing one client leaves a shared store to the others; a private store is emptied", async () => {
    const store = new InMemoryCacheStore();
    const a = new InMemoryCacheClient({ store, namespace: "a:" });
    const b = new InMemoryCacheClient({ store, namespace: "b:" });
    await a.set("k", { v: "a" }, 60_000);
    await b.set("k", { v: "b" }, 60_000);
    await a.close();
    expect(await b.get("k")).toEqual({ v: "b" });
    expect(store.size).toBe(2);
    const own = new InMemoryCacheClient({ namespace: "own:" });
    await own.set("k", { v: "1" }, 60_000);
    await own.close();
    expect(own.size).toBe(0);
  });

  it("an empty namespace cannot flush a shared store without a prefix; a private one it may", async () => {
    const store = new InMemoryCacheStore();
    const root = new InMemoryCacheClient({ store });
    const a = new InMemoryCacheClient({ store, namespace: "a:" });
    await a.set("k", { v: "1" }, 60_000);
    await root.set("session:1", { v: "1" }, 60_000);
    await expect(root.flushNamespace()).rejects.toBeInstanceOf(ValidationError);
    expect(store.size).toBe(2);
    expect(await root.flushNamespace("session:")).toBe(1);
    expect(await a.get("k")).toEqual({ v: "1" });
    const own = new InMemoryCacheClient();
    await own.set("k", { v: "1" }, 60_000);
    expect(await own.flushNamespace()).toBe(1);
  });

  it("expired entries of every namespace are swept; reads never return them", async () => {
    const clock = new ManualClock(0);
    const store = new InMemoryCacheStore();
    const a = new InMemoryCacheClient({ store, namespace: "a:", clock });
    const b = new InMemoryCacheClient({ store, namespace: "b:", clock });
    await a.set("k", { v: "a" }, 10);
    await b.set("k", { v: "b" }, 1000);
    clock.advance(10);
    expect(await a.get("k")).toBeNull();
    await a.set("short", { v: "1" }, 5);
    clock.advance(5);
    expect(b.sweep()).toBe(1);
    expect([...store.entries.keys()]).toEqual(["b:k"]);
  });

  it("rejects a store that is not an InMemoryCacheStore and a namespace that is not a string", () => {
    expect(() => new InMemoryCacheClient({ store: new Map() as never })).toThrow(ValidationError);
    expect(() => new InMemoryCacheClient({ namespace: 5 as never })).toThrow(ValidationError);
  });
});
