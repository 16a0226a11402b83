import { InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { ManualClock } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { expect, it } from "vitest";

it("getLifetimeStats counts across resetStats() and flush(); getStats starts again from 0", async () => {
  const clock = new ManualClock(Date.UTC(2024, 0, 2));
  const db = new InMemoryAdapter();
  const manager = new CacheManager(new InMemoryCacheClient({ clock }), db, { clock, namespace: "life:" });
  await db.updatePosition("AAPL", "1", "10");
  await manager.getPosition("AAPL"); // miss
  await manager.getPosition("AAPL"); // hit
  manager.resetStats();
  await manager.getPosition("AAPL"); // hit
  await manager.flush();
  await manager.getPosition("AAPL"); // miss (flushed)
  expect(manager.getStats("position")).toMatchObject({ hitCount: 0, missCount: 1 });
  expect(manager.getLifetimeStats().position).toMatchObject({ hitCount: 2, missCount: 2, errorCount: 0 });
  expect(manager.getLifetimeStats().position.hitRate).toBe(0.5);
  await manager.close();
});
