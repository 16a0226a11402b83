import { CacheUnavailableError } from "@qts/contracts";
import {
  type RedisClusterHandle,
  type RedisNodeAddress,
  redisClusterTestNodes,
  startRedisCluster,
  uniqueNamespace,
} from "@qts/testkit";
import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterKeySlot, RedisCacheClient } from "../src/index.js";
import {
  describeCacheClientConformance,
  describeVersionedCacheClientConformance,
} from "../src/testing/index.js";

const env = await redisClusterTestNodes();
const nodes: RedisNodeAddress[] = env.nodes;
/** Generous command timeout for tests not about timeouts (CI runs every package's tests at once). */
const socketTimeoutMs = 2_000;
afterAll(async () => {
  await env.destroy();
});

const suiteNs = uniqueNamespace("qtstest:cluster");
describeCacheClientConformance(
  "RedisCacheClient (cluster)",
  () => new RedisCacheClient({ cluster: nodes, namespace: suiteNs, socketTimeoutMs }),
  {
    teardown: async () => {
      const c = new RedisCacheClient({ cluster: nodes, namespace: suiteNs, socketTimeoutMs });
      await c.flushNamespace();
      await c.close();
    },
  },
);

describeVersionedCacheClientConformance(
  "RedisCacheClient (cluster)",
  () => new RedisCacheClient({ cluster: nodes, namespace: suiteNs, socketTimeoutMs }),
  {
    teardown: async () => {
      const c = new RedisCacheClient({ cluster: nodes, namespace: suiteNs, socketTimeoutMs });
      await c.flushNamespace();
      await c.close();
    },
  },
);

describe("RedisCacheClient on a Redis Cluster", () => {
  let client: RedisCacheClient;
  const namespace = uniqueNamespace("qtstest:cluster");
  beforeAll(async () => {
    client = new RedisCacheClient({ cluster: nodes, namespace, socketTimeoutMs });
    await client.ready();
  });
  afterAll(async () => {
    await client.flushNamespace().catch(() => 0);
    await client.close();
  });

  it("uses masters only and spreads keys over every master", async () => {
    expect(client.mode).toBe("cluster");
    const cluster = client.redis as Cluster;
    expect(cluster.options.scaleReads).toBe("master");
    const keys = Array.from({ length: 300 }, (_, i) => `pos:SYM${i}`);
    const owners = new Set(keys.map((k) => cluster.slots[clusterKeySlot(namespace + k)]?.[0]));
    expect(owners.size).toBe(cluster.nodes("master").length);
    expect(owners.size).toBeGreaterThanOrEqual(3);
  });

  it("getMany across slots makes one pipeline per master", async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `gm:SYM${i}`);
    await client.setMany(
      keys.map((k, i) => [k, { i: String(i) }] as const),
      60_000,
    );
    const cluster = client.redis as Cluster;
    const masters = cluster.nodes("master");
    const sent = new Map<unknown, number>();
    const originals = masters.map((m) => {
      const original = m.sendCommand.bind(m);
      m.sendCommand = ((...args: Parameters<typeof original>) => {
        sent.set(m, (sent.get(m) ?? 0) + 1);
        return original(...args);
      }) as typeof m.sendCommand;
      return [m, original] as const;
    });
    const writes = new Map<unknown, number>();
    const streams = masters.map((m) => {
      const stream = (m as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
      const write = stream.write.bind(stream);
      stream.write = (...a: unknown[]) => {
        writes.set(m, (writes.get(m) ?? 0) + 1);
        return write(...a);
      };
      return [stream, write] as const;
    });
    try {
      const got = await client.getMany(keys);
      keys.forEach((k, i) => {
        expect(got.get(k)).toEqual({ i: String(i) });
      });
    } finally {
      for (const [m, original] of originals) m.sendCommand = original;
      for (const [stream, write] of streams) stream.write = write;
    }
    // Every master got its HGETALLs in a single write (one round trip per node).
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBe(300);
    expect(writes.size).toBe(masters.length);
    for (const n of writes.values()) expect(n).toBe(1);
  });

  it("flushNamespace scans every master", async () => {
    const other = new RedisCacheClient({ cluster: nodes, namespace: uniqueNamespace("qtstest:cluster") });
    for (let i = 0; i < 200; i++) await client.set(`f:${i}`, { i: String(i) }, 60_000);
    await client.set("keep:1", { a: "1" }, 60_000);
    await other.set("f:1", { a: "other" }, 60_000);
    expect(await client.flushNamespace("f:")).toBe(200);
    expect((await client.getMany(["f:1", "f:199"])).get("f:1")).toBeNull();
    expect(await client.get("keep:1")).toEqual({ a: "1" });
    expect(await other.get("f:1")).toEqual({ a: "other" });
    await other.flushNamespace();
    await other.close();
  });

  it("health pings every master", async () => {
    const health = await client.healthCheck();
    expect(health).toMatchObject({ healthy: true, source: "redis-cluster", error: "" });
    expect(health.details?.mode).toBe("cluster");
  });
});

describe("RedisCacheClient when a cluster master dies", () => {
  it("fails fast for the dead master's slots, then recovers after the failover", async () => {
    // Fault tests only touch private servers: the cluster testkit started for this file (it runs last), or a
    // fresh private one when QTS_TEST_REDIS_CLUSTER points at a shared cluster.
    const own = env.cluster === null ? await startRedisCluster() : null;
    const cluster = (own ?? env.cluster) as RedisClusterHandle;
    const namespace = uniqueNamespace("qtstest:failover");
    const client = new RedisCacheClient({ cluster: cluster.nodes, namespace });
    try {
      await client.ready();
      const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
      for (const k of keys) await client.set(k, { v: k }, 60_000);
      const victim = (await cluster.masters())[0] as RedisNodeAddress;
      const ioCluster = client.redis as Cluster;
      const onVictim = keys.filter(
        (k) => ioCluster.slots[clusterKeySlot(namespace + k)]?.[0] === `${victim.host}:${victim.port}`,
      );
      expect(onVictim.length).toBeGreaterThan(0);
      const victimKey = onVictim[0] as string;

      await cluster.killNode(victim.port);
      const started = performance.now();
      // While the master is down its slots are unavailable: calls reject quickly with CacheUnavailableError.
      const failing = performance.now();
      const error = await client.get(victimKey).catch((e: unknown) => e);
      if (error !== undefined && !(error instanceof CacheUnavailableError)) throw error;
      if (error instanceof CacheUnavailableError) expect(performance.now() - failing).toBeLessThan(2000);

      const failover = await cluster.waitForFailover(victim.port, 20_000);
      expect(failover.promoted).not.toBeNull();
      // The client finds the promoted replica by itself: writes and reads succeed within a bounded time.
      let recoveredAt = 0;
      let lastError: unknown;
      while (performance.now() - started < 20_000) {
        try {
          await client.set(victimKey, { v: "after" }, 60_000);
          expect(await client.get(victimKey)).toEqual({ v: "after" });
          expect((await client.getMany(keys)).size).toBe(keys.length);
          recoveredAt = performance.now();
          break;
        } catch (e) {
          // While the survivors converge on the new slot owner a call may still fail: always typed.
          expect(e).toBeInstanceOf(CacheUnavailableError);
          lastError = e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      if (recoveredAt === 0) throw new Error(`not recovered: ${String(lastError)}`);
      console.info(
        `[cluster failover] server failover ${failover.elapsedMs} ms; client recovered ${Math.round(recoveredAt - started)} ms after the kill`,
      );
      // Keys of the failed-over master replicated before the kill are still there (async replication permitting).
      const got = await client.getMany(keys);
      expect(got.size).toBe(keys.length);
      const survivors = keys.filter((k) => got.get(k) !== null).length;
      expect(survivors).toBeGreaterThanOrEqual(keys.length - onVictim.length);
      expect((await client.healthCheck()).healthy).toBe(true);
    } finally {
      await client.flushNamespace().catch(() => 0);
      await client.close();
      await own?.destroy();
    }
  }, 90_000);
});
