import { CacheUnavailableError } from "@qts/contracts";
import { redisTestUrl, uniqueNamespace } from "@qts/testkit";
import { describe, expect, it } from "vitest";
import { DeadlineQueue, RedisCacheClient } from "../src/index.js";

describe("DeadlineQueue slots", () => {
  it("counts active calls exactly and wakes one slot waiter per finished call, in order", async () => {
    const q = new DeadlineQueue(1000, 5);
    const resolvers: (() => void)[] = [];
    const call = () => q.wrap(new Promise<void>((r) => resolvers.push(r)));
    const a = call();
    const b = call();
    expect(q.active).toBe(2);
    const order: string[] = [];
    const w1 = q.waitForSlot(2, 1000).then((ok) => order.push(`w1:${ok}`));
    const w2 = q.waitForSlot(2, 1000).then((ok) => order.push(`w2:${ok}`));
    resolvers[0]!();
    await a;
    await w1;
    expect(order).toEqual(["w1:true"]);
    resolvers[1]!();
    await b;
    await w2;
    expect(order).toEqual(["w1:true", "w2:true"]);
    expect(q.active).toBe(0);
  });

  it("a waiter gives up at its timeout (the shared timer checks it); an expired call frees its slot", async () => {
    const q = new DeadlineQueue(60, 5);
    const stuck = q.wrap(new Promise<void>(() => {}));
    expect(await q.waitForSlot(1, 20)).toBe(false);
    await expect(stuck).rejects.toBeInstanceOf(CacheUnavailableError);
    expect(q.active).toBe(0);
    expect(await q.waitForSlot(1, 20)).toBe(true);
    q.close();
  });
});

describe("RedisCacheClient maxConnections", () => {
  it("keeps at most maxConnections operations in flight; the others wait for a slot and succeed", async () => {
    const url = await redisTestUrl();
    const client = new RedisCacheClient({
      url,
      namespace: uniqueNamespace("qtstest:inflight"),
      maxConnections: 3,
      socketTimeoutMs: 2000,
    });
    try {
      await client.ready();
      let peak = 0;
      const calls = Array.from({ length: 40 }, (_, i) => {
        const p = client.set(`k${i}`, { v: String(i) }, 10_000);
        peak = Math.max(peak, client.inFlight);
        return p;
      });
      expect(peak).toBeLessThanOrEqual(3);
      expect(await Promise.all(calls)).toEqual(Array(40).fill(true));
      const values = await client.getMany(Array.from({ length: 40 }, (_, i) => `k${i}`));
      expect([...values.values()].map((h) => h?.v)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
      expect(client.inFlight).toBe(0);
      await client.flushNamespace();
    } finally {
      await client.close();
    }
  });
});
