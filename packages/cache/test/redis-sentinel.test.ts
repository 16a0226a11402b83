import { type PrivateRedis, startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCacheClient, RedisInvalidationTracker } from "../src/index.js";
import { type PrivateSentinel, startSentinel } from "./sentinel-helpers.js";

/** One Sentinel (quorum 1) watching a private redis-server: enough to show the `sentinels` + `name` path. */
describe("RedisCacheClient through Redis Sentinel", () => {
  let master: PrivateRedis;
  let sentinel: PrivateSentinel;

  beforeAll(async () => {
    master = await startPrivateRedis();
    sentinel = await startSentinel("qts-master", master.port);
  });

  afterAll(async () => {
    await sentinel?.destroy();
    await master?.destroy();
  });

  it("finds the master through the Sentinel and works", async () => {
    const client = new RedisCacheClient({
      sentinels: [{ host: "127.0.0.1", port: sentinel.port }],
      name: "qts-master",
      namespace: "sentinel:",
    });
    try {
      expect(client.mode).toBe("sentinel");
      await client.ready();
      expect(await client.set("pos:AAPL", { qty: "1" }, 5000)).toBe(true);
      expect(await client.get("pos:AAPL")).toEqual({ qty: "1" });
      expect((await client.getMany(["pos:AAPL", "x"])).get("x")).toBeNull();
      expect(await client.healthCheck()).toMatchObject({ healthy: true, source: "redis-sentinel" });
      expect(await client.setIfNewer("pos:MSFT", { qty: "2" }, 5000, 2)).toBe(true);
      expect(await client.setIfNewer("pos:MSFT", { qty: "1" }, 5000, 1)).toBe(false);
      expect(await client.get("pos:MSFT")).toEqual({ qty: "2", version: "2" });
      const direct = new Redis(master.url);
      expect(await direct.hgetall("sentinel:pos:AAPL")).toEqual({ qty: "1" });
      // Invalidation tracking through Sentinel: the tracker's connection finds the same master.
      const tracker = new RedisInvalidationTracker(client);
      const seen: (readonly string[] | null)[] = [];
      tracker.on("invalidate", (keys) => seen.push(keys));
      await tracker.start();
      await direct.hset("sentinel:pos:AAPL", "qty", "2");
      for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual([["pos:AAPL"]]);
      await tracker.close();
      await direct.quit();
    } finally {
      await client.close();
    }
  });
});
