import { DeadlineQueue, InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { type CacheClient, CacheUnavailableError } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { describe, expect, it, vi } from "vitest";
import { FaultyCacheClient, rig, sleep } from "./support.js";

/** Intervals created and not yet cleared while `fn` runs (the manager's timers are unref'd, so
 * `process.getActiveResourcesInfo()` does not list them). */
function trackIntervals() {
  const live = new Set<unknown>();
  const set = vi.spyOn(globalThis, "setInterval");
  const clear = vi.spyOn(globalThis, "clearInterval");
  set.mockImplementation(((fn: () => void, ms?: number) => {
    const handle = realSetInterval(fn, ms);
    live.add(handle);
    return handle;
  }) as typeof setInterval);
  clear.mockImplementation(((handle: Parameters<typeof clearInterval>[0]) => {
    live.delete(handle);
    realClearInterval(handle);
  }) as typeof clearInterval);
  return {
    live,
    restore: () => {
      set.mockRestore();
      clear.mockRestore();
    },
  };
}
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

describe("DeadlineQueue (per-call timeouts on one shared timer)", () => {
  it("rejects a call that outlives the timeout and passes the others through", async () => {
    const q = new DeadlineQueue(10);
    const slow = q.wrap(new Promise<string>(() => {}));
    const fast = q.wrap(Promise.resolve("ok"));
    const failing = q.wrap(Promise.reject(new Error("own error")));
    await expect(fast).resolves.toBe("ok");
    await expect(failing).rejects.toThrow("own error");
    await expect(slow).rejects.toBeInstanceOf(CacheUnavailableError);
    q.close();
  });

  it("runs one timer only while calls are pending", async () => {
    // A generous deadline (a loaded CI machine may delay a 1 ms sleep past a short one) and a 5 ms tick.
    const q = new DeadlineQueue(1000, 5);
    expect(q.timerActive).toBe(false);
    const calls = Array.from({ length: 100 }, () => q.wrap(sleep(1).then(() => 1)));
    expect(q.timerActive).toBe(true);
    expect(q.pending).toBe(100);
    await Promise.all(calls);
    // The timer stops at its next tick once nothing is pending.
    const until = Date.now() + 2000;
    while (q.timerActive && Date.now() < until) await sleep(5);
    expect(q.timerActive).toBe(false);
    expect(q.pending).toBe(0);
    q.close();
  });

  it("never expires a call early: 3000 calls, 64 in flight, each settling within a few ms", async () => {
    const q = new DeadlineQueue(1000);
    let i = 0;
    let failures = 0;
    const worker = async (): Promise<void> => {
      while (i < 3000) {
        const n = i++;
        await q.wrap(sleep(n % 3)).catch(() => void failures++);
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    expect(failures).toBe(0);
    q.close();
  });

  it("close rejects what is pending and stops the timer", async () => {
    const q = new DeadlineQueue(10_000);
    const hung = q.wrap(new Promise<never>(() => {}));
    q.close();
    await expect(hung).rejects.toBeInstanceOf(CacheUnavailableError);
    expect(q.timerActive).toBe(false);
  });
});

describe("close", () => {
  it("stops the metrics and timeout timers and leaves no timer behind", async () => {
    const timers = trackIntervals();
    try {
      const inner = new InMemoryCacheClient();
      const client = new FaultyCacheClient(inner);
      const m = new CacheManager(client, new InMemoryAdapter(), {
        metricsIntervalMs: 1000,
        cacheTimeoutMs: 50,
      });
      client.modes.get = "hang";
      const pending = m.getPrice("A"); // arms the timeout timer
      expect(timers.live.size).toBe(2);
      for (const t of timers.live) expect((t as NodeJS.Timeout).hasRef()).toBe(false);
      await m.close();
      expect(await pending).toBeNull(); // the hung call was released as a failure
      expect(timers.live.size).toBe(0);
      await expect(m.getPrice("A")).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(m.close()).resolves.toBeUndefined();
    } finally {
      timers.restore();
    }
  });

  it("waits for queued write-throughs and does not close the injected client or DB", async () => {
    const { manager, db, cache } = rig();
    db.writeDelay = () => 5;
    const write = manager.updatePositionOnFill("AAPL", "1", "1");
    await manager.close();
    await expect(write).resolves.toBe(true);
    expect(await cache.get("pos:AAPL")).not.toBeNull();
    expect((await db.fetchPosition("AAPL"))?.qty.eq(1)).toBe(true);
    await expect(manager.updatePositionOnFill("AAPL", "2", "2")).rejects.toBeInstanceOf(
      CacheUnavailableError,
    );
  });

  it("trusts a client's own command timeout: no timer is armed per call", async () => {
    const timers = trackIntervals();
    try {
      const inner = new InMemoryCacheClient();
      const client = Object.assign(new FaultyCacheClient(inner), { commandTimeoutMs: 100 }) as CacheClient;
      const m = new CacheManager(client, new InMemoryAdapter(), {
        metricsIntervalMs: 0,
        cacheTimeoutMs: 100,
      });
      await m.pushPrice("A", { p: "1" });
      const p = m.getPrice("A");
      expect(timers.live.size).toBe(0);
      expect(await p).toEqual({ p: "1" });
      await m.close();
      // the same client without a declared timeout is timed by the manager
      const m2 = new CacheManager(new FaultyCacheClient(inner), new InMemoryAdapter(), {
        metricsIntervalMs: 0,
      });
      const p2 = m2.getPrice("A");
      expect(timers.live.size).toBe(1);
      await p2;
      await m2.close();
      expect(timers.live.size).toBe(0);
    } finally {
      timers.restore();
    }
  });
});
