import { CacheUnavailableError } from "@qts/contracts";
import { type PrivateRedis, startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCacheClient } from "../src/index.js";
import { type PrivateSentinel, startSentinel, until } from "./sentinel-helpers.js";

const MASTER_NAME = "qts-failover";

/**
 * A private master with one replica and one Sentinel (quorum 1, down-after 1 s). The master is killed; the
 * Sentinel promotes the replica; the client, which only knows the Sentinel, follows it by itself.
 */
describe("RedisCacheClient through Sentinel when the master dies", () => {
  let master: PrivateRedis;
  let replica: PrivateRedis;
  let sentinel: PrivateSentinel;

  beforeAll(async () => {
    master = await startPrivateRedis();
    replica = await startPrivateRedis();
    const r = new Redis(replica.url);
    try {
      await r.call("REPLICAOF", "127.0.0.1", String(master.port));
      await until("replication link", 10_000, async () =>
        /master_link_status:up/.test(await r.info("replication")) ? true : null,
      );
    } finally {
      r.disconnect();
    }
    // The Sentinel starts after the replica is attached, so its first INFO of the master already lists it.
    sentinel = await startSentinel(MASTER_NAME, master.port, { downAfterMs: 1000, failoverTimeoutMs: 5000 });
    await until("the replica in the Sentinel's view", 15_000, async () => {
      const replicas = (await sentinel.command("replicas", MASTER_NAME)) as string[][];
      return replicas.some((fields) => fields.includes(String(replica.port))) ? true : null;
    });
  }, 40_000);

  afterAll(async () => {
    await sentinel?.destroy();
    await master?.destroy();
    await replica?.destroy();
  });

  it("fails fast while there is no master, then serves from the promoted replica", async () => {
    const client = new RedisCacheClient({
      sentinels: [{ host: "127.0.0.1", port: sentinel.port }],
      name: MASTER_NAME,
      namespace: "failover:",
    });
    try {
      await client.ready();
      expect(await client.set("pos:AAPL", { qty: "12.5" }, 60_000)).toBe(true);
      // Make sure the write reached the replica before the master goes (WAIT 1 replica, 2 s).
      const m = new Redis(master.url);
      expect(await m.call("WAIT", "1", "2000")).toBe(1);
      m.disconnect();

      await master.kill();
      const killedAt = Date.now();
      // While no master is reachable, calls reject with CacheUnavailableError quickly rather than hanging.
      const during = Date.now();
      const error = await client.get("pos:AAPL").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheUnavailableError);
      expect(Date.now() - during).toBeLessThan(1_500);

      const recovered = await until("a read through the promoted replica", 30_000, () =>
        client.get("pos:AAPL"),
      );
      expect(recovered).toEqual({ qty: "12.5" });
      console.info(
        `[sentinel failover] client served again ${Date.now() - killedAt} ms after the master died`,
      );
      expect(await client.set("pos:MSFT", { qty: "-3" }, 60_000)).toBe(true);
      const promoted = new Redis(replica.url);
      try {
        expect(await promoted.call("ROLE").then((role) => (role as unknown[])[0])).toBe("master");
        expect(await promoted.hgetall("failover:pos:MSFT")).toEqual({ qty: "-3" });
      } finally {
        promoted.disconnect();
      }
      expect(await client.healthCheck()).toMatchObject({ healthy: true, source: "redis-sentinel" });
    } finally {
      await client.close();
    }
  }, 60_000);
});
