import { CircuitBreaker, CircuitState, RedisCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { CacheOutOfMemoryError, CacheType, fill } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { service } from "./helpers/services.js";

const VALUE = "x".repeat(1024);

/**
 * Issue 13 item 6 decision, against a real full Redis (noeviction at maxmemory): a write refused with OOM is not
 * a breaker failure. The circuit stays CLOSED, reads keep being served from Redis, and a write-through whose
 * cache write was refused deletes the older cached copy (deletes are allowed at maxmemory).
 */
describe("CacheManager over a Redis at its maxmemory (private Redis)", () => {
  it("OOM writes reject with CacheOutOfMemoryError, the circuit stays CLOSED, reads still hit", async () => {
    const server = await service(() => startPrivateRedis());
    if (server === null) return;
    const admin = new Redis(server.url);
    const client = new RedisCacheClient({ url: server.url, namespace: "oom:", socketTimeoutMs: 5000 });
    const breaker = new CircuitBreaker({ failureThreshold: 3, recoveryTimeoutMs: 60_000 });
    const manager = new CacheManager(client, new InMemoryAdapter(), { breaker, metricsIntervalMs: 0 });
    try {
      await admin.config("SET", "maxmemory-policy", "noeviction");
      const used = Number(/used_memory:(\d+)/.exec(await admin.info("memory"))?.[1]);
      await admin.config("SET", "maxmemory", String(used + 256 * 1024));
      await manager.applyFill(
        fill({ fillId: "f1", symbol: "AAPL", side: "BUY", qty: "1", price: "10", timestamp: 1 }),
      );
      expect(await admin.exists("oom:pos:AAPL")).toBe(1);
      let refused = 0;
      for (let i = 0; i < 2000 && refused < 20; i++) {
        try {
          await manager.setCached(CacheType.ORDER, `o${i}`, { v: VALUE });
        } catch (error) {
          expect(error).toBeInstanceOf(CacheOutOfMemoryError);
          refused++;
        }
      }
      expect(refused).toBe(20); // far more than the breaker's threshold of 3
      expect(manager.circuitState).toBe(CircuitState.CLOSED);
      expect(await manager.getCached(CacheType.ORDER, "o0")).toEqual({ v: VALUE }); // reads still served
      expect(manager.getStats(CacheType.ORDER).errorCount).toBe(20);
      // A fill: booked by the store; its cache write is refused, so the version-1 copy is deleted, not kept.
      const booked = await manager.applyFill(
        fill({ fillId: "f2", symbol: "AAPL", side: "BUY", qty: "1", price: "12", timestamp: 2 }),
      );
      expect(booked.position.version).toBe(2);
      const deadline = Date.now() + 2000;
      while ((await admin.exists("oom:pos:AAPL")) === 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await admin.exists("oom:pos:AAPL")).toBe(0);
      expect((await manager.getPosition("AAPL"))?.version).toBe(2);
      expect(manager.circuitState).toBe(CircuitState.CLOSED);
      expect((await client.healthCheck()).healthy).toBe(false); // the client reports the OOM
    } finally {
      await manager.close();
      await client.close();
      admin.disconnect();
      await server.destroy();
    }
  }, 60_000);
});
