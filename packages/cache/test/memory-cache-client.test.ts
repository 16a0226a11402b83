import { CacheUnavailableError, ManualClock, ValidationError } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { InMemoryCacheClient, InMemoryCacheStore } from "../src/index.js";
import {
  describeCacheClientConformance,
  describeVersionedCacheClientConformance,
} from "../src/testing/index.js";

const clock = new ManualClock(1_700_000_000_000);
describeCacheClientConformance(
  "InMemoryCacheClient (ManualClock)",
  () => new InMemoryCacheClient({ clock }),
  {
    advance: (ms) => {
      clock.advance(ms);
    },
  },
);

describeVersionedCacheClientConformance(
  "InMemoryCacheClient (ManualClock)",
  () => new InMemoryCacheClient({ clock }),
  {
    advance: (ms) => {
      clock.advance(ms);
    },
  },
);

// Namespaced clients over one shared store pass the same suite.
const shared = new InMemoryCacheStore();
describeCacheClientConformance(
  "InMemoryCacheClient (namespace on a shared store)",
  () => new InMemoryCacheClient({ clock, store: shared, namespace: "conf:" }),
  {
    advance: (ms) => {
      clock.advance(ms);
    },
  },
);

// The same suite in real time (system clock, no advance hook), as a caller without a ManualClock would run it.
describeCacheClientConformance("InMemoryCacheClient (system clock)", () => new InMemoryCacheClient());

describe("InMemoryCacheClient", () => {
  it("removes an expired entry when it is read", async () => {
    const clock = new ManualClock(0);
    const client = new InMemoryCacheClient({ clock });
    await client.set("a", { v: "1" }, 100);
    await client.set("b", { v: "2" }, 1000);
    expect(client.size).toBe(2);
    clock.advance(100);
    expect(await client.get("a")).toBeNull();
    expect(client.size).toBe(1);
    clock.advance(900);
    expect((await client.getMany(["b"])).get("b")).toBeNull();
    expect(client.size).toBe(0);
  });

  it("sweeps expired entries while writing, so memory stays bounded", async () => {
    const clock = new ManualClock(0);
    const client = new InMemoryCacheClient({ clock, sweepEveryWrites: 100 });
    for (let i = 0; i < 10_000; i++) await client.set(`old:${i}`, { i: String(i) }, 10);
    clock.advance(10);
    let peak = 0;
    for (let i = 0; i < 20_000; i++) {
      await client.set(`new:${i % 50}`, { i: String(i) }, 60_000);
      peak = Math.max(peak, client.size);
    }
    // 10,000 expired entries are gone without ever being read; only the 50 live keys remain.
    expect(client.size).toBe(50);
    expect(peak).toBeLessThanOrEqual(10_050);
  });

  it("sweep() removes every expired entry and reports how many", async () => {
    const clock = new ManualClock(0);
    const client = new InMemoryCacheClient({ clock });
    await client.setMany(
      Array.from({ length: 30 }, (_, i) => [`k${i}`, { i: String(i) }] as const),
      50,
    );
    await client.set("live", { a: "1" }, 1000);
    clock.advance(50);
    expect(client.sweep()).toBe(30);
    expect(client.size).toBe(1);
    expect(await client.get("live")).toEqual({ a: "1" });
  });

  it("setMany validates everything before writing anything", async () => {
    const client = new InMemoryCacheClient();
    await expect(
      client.setMany(
        [
          ["good", { a: "1" }],
          ["", { a: "1" }],
        ],
        1000,
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await client.get("good")).toBeNull();
    expect(await client.setMany([["good", { a: "1" }]], 1000)).toBe(1);
  });

  it("returns frozen hashes that are copies of what was set", async () => {
    const client = new InMemoryCacheClient();
    const input = { a: "1" };
    await client.set("k", input, 1000);
    input.a = "changed";
    const got = await client.get("k");
    expect(got).toEqual({ a: "1" });
    expect(Object.isFrozen(got)).toBe(true);
  });

  it("keeps fractional TTLs exactly", async () => {
    const clock = new ManualClock(0);
    const client = new InMemoryCacheClient({ clock });
    await client.set("k", { a: "1" }, 0.5);
    clock.advance(0.4);
    expect(await client.get("k")).toEqual({ a: "1" });
    clock.advance(0.1);
    expect(await client.get("k")).toBeNull();
  });

  it("flushNamespace removes only keys with the prefix and counts live ones", async () => {
    const clock = new ManualClock(0);
    const client = new InMemoryCacheClient({ clock, namespace: "qts:" });
    expect(client.namespace).toBe("qts:");
    await client.set("pos:A", { a: "1" }, 1000);
    await client.set("pos:B", { a: "1" }, 10);
    await client.set("price:A", { a: "1" }, 1000);
    clock.advance(10);
    expect(await client.flushNamespace("pos:")).toBe(1);
    expect(await client.get("price:A")).toEqual({ a: "1" });
    expect(client.size).toBe(1);
    expect(await client.flushNamespace()).toBe(1);
    expect(client.size).toBe(0);
  });

  it("close empties the store and later calls reject", async () => {
    const client = new InMemoryCacheClient();
    await client.set("k", { a: "1" }, 1000);
    await client.close();
    expect(client.size).toBe(0);
    await expect(client.flushNamespace()).rejects.toBeInstanceOf(CacheUnavailableError);
    const health = await client.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toBe("closed");
  });

  it("rejects bad options and a reserved field name", async () => {
    expect(() => new InMemoryCacheClient({ sweepEveryWrites: 0 })).toThrow(ValidationError);
    const client = new InMemoryCacheClient();
    await expect(client.set("k", { "\u0000qts:empty": "1" }, 1000)).rejects.toBeInstanceOf(ValidationError);
    await expect(
      client.set("k", new Date() as unknown as Record<string, string>, 1000),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
