import { InMemoryCacheClient, RedisCacheClient } from "@qts/cache";
import { cacheManagerFromEnv } from "@qts/cache-manager";
import { ConfigError, ManualClock } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { describe, expect, it } from "vitest";
import { keysUnder, rawRedis, redisUrl } from "./helpers/services.js";

describe("cacheManagerFromEnv", () => {
  it("no Redis variable: the in-process cache under QTS_CACHE_NAMESPACE", async () => {
    const layer = cacheManagerFromEnv(new InMemoryAdapter(), { QTS_CACHE_NAMESPACE: "desk7:" });
    try {
      expect(layer.redis).toBe(false);
      expect(layer.client).toBeInstanceOf(InMemoryCacheClient);
      expect((layer.client as InMemoryCacheClient).namespace).toBe("desk7:");
    } finally {
      await layer.close();
    }
  });

  it("the breaker threshold and recovery variables take effect", async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 2));
    const layer = cacheManagerFromEnv(
      new InMemoryAdapter(),
      {
        QTS_REDIS_URL: "redis://127.0.0.1:1/0", // nothing listens: every call fails fast
        QTS_REDIS_CONNECT_TIMEOUT_MS: "100",
        QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD: "2",
        QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS: "7000",
      },
      { clock, metricsIntervalMs: 0 },
    );
    try {
      expect(layer.redis).toBe(true);
      expect(layer.client).toBeInstanceOf(RedisCacheClient);
      expect(await layer.manager.getPrice("AAPL")).toBeNull();
      expect(layer.manager.isCircuitOpen()).toBe(false); // 1 failure < 2
      expect(await layer.manager.getPrice("AAPL")).toBeNull();
      expect(layer.manager.circuitState).toBe("OPEN"); // the default threshold (5) would still be CLOSED
      clock.advance(6999);
      expect(layer.manager.circuitBreaker.canExecute()).toBe(false);
      clock.advance(1);
      expect(layer.manager.circuitBreaker.canExecute()).toBe(true); // the 7 s recovery, not the default 60 s
    } finally {
      await layer.close();
    }
  });

  it("QTS_REDIS_URL + QTS_CACHE_NAMESPACE: positions land under that namespace on the real Redis", async () => {
    expect(redisUrl, "Redis is required for this test").not.toBeNull();
    const ns = `fromenv:${process.pid}:${Date.now()}:`;
    const db = new InMemoryAdapter();
    await db.updatePosition("AAPL", "3", "4");
    const layer = cacheManagerFromEnv(db, { QTS_REDIS_URL: redisUrl!, QTS_CACHE_NAMESPACE: ns });
    const raw = rawRedis(redisUrl!);
    try {
      expect((await layer.manager.getPosition("AAPL"))?.qty.toString()).toBe("3");
      expect(await keysUnder(raw, ns)).toEqual([`${ns}pos:AAPL`]);
    } finally {
      await layer.manager.flush();
      await layer.close();
      raw.disconnect();
    }
  });

  it("every bad value at once", () => {
    let error: unknown;
    try {
      cacheManagerFromEnv(new InMemoryAdapter(), {
        QTS_REDIS_PORT: "port",
        QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD: "-1",
        QTS_CACHE_NAMESPACE: "bad\nns",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable)).toEqual(
      expect.arrayContaining([
        "QTS_REDIS_PORT",
        "QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD",
        "QTS_CACHE_NAMESPACE",
      ]),
    );
  });
});
