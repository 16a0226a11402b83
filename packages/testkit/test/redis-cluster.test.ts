import { existsSync } from "node:fs";
import { Cluster, Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  parseClusterNodeList,
  type RedisClusterHandle,
  redisClusterTestNodes,
  startRedisCluster,
} from "../src/index.js";

let handle: RedisClusterHandle | undefined;
let cluster: Cluster | undefined;

afterAll(async () => {
  cluster?.disconnect();
  await handle?.destroy();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function clusterInfo(port: number): Promise<string> {
  const r = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
  });
  r.on("error", () => {});
  try {
    await r.connect();
    return String(await r.cluster("INFO"));
  } finally {
    r.disconnect();
  }
}

async function retry<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("startRedisCluster", () => {
  it("creates a 3+3 cluster, survives the loss of a master and tears down", async () => {
    handle = await startRedisCluster();
    expect(handle.nodes).toHaveLength(6);
    for (const n of handle.nodes) {
      expect(n.host).toBe("127.0.0.1");
      expect(await clusterInfo(n.port)).toContain("cluster_state:ok");
    }
    const masters = await handle.masters();
    expect(masters).toHaveLength(3);

    cluster = new Cluster(handle.nodes, {
      redisOptions: { connectTimeout: 500 },
      clusterRetryStrategy: () => 100,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      slotsRefreshTimeout: 1000,
    });
    cluster.on("error", () => {});
    const keys = Array.from({ length: 50 }, (_, i) => `qtstest:k${i}`);
    for (const k of keys) await cluster.set(k, `v-${k}`);
    for (const k of keys) expect(await cluster.get(k)).toBe(`v-${k}`);

    // Kill the master that serves "qtstest:k0".
    const slot = Number(await cluster.cluster("KEYSLOT", "qtstest:k0"));
    const ownerKey = cluster.slots[slot]?.[0];
    expect(ownerKey).toBeDefined();
    const victim = Number(ownerKey?.split(":")[1]);
    expect(masters.map((m) => m.port)).toContain(victim);

    await handle.killNode(victim);
    const failover = await handle.waitForFailover(victim, 20_000);
    expect(failover.promoted).not.toBeNull();
    expect(failover.promoted?.port).not.toBe(victim);
    expect(failover.elapsedMs).toBeGreaterThan(0);

    const after = (await handle.masters()).map((m) => m.port);
    expect(after).toHaveLength(3);
    expect(after).not.toContain(victim);
    expect(after).toContain(failover.promoted?.port);
    for (const n of handle.nodes.filter((n) => n.port !== victim)) {
      expect(await clusterInfo(n.port)).toContain("cluster_state:ok");
    }

    // The same client recovers: a write to the failed-over slot succeeds again.
    await retry(() => cluster!.set("qtstest:k0", "after-failover"), 15_000);
    expect(await cluster.get("qtstest:k0")).toBe("after-failover");

    const dir = handle.dir;
    cluster.disconnect();
    cluster = undefined;
    await handle.destroy();
    expect(existsSync(dir)).toBe(false);
    await expect(clusterInfo(failover.promoted?.port ?? 0)).rejects.toThrow();
    handle = undefined;
  });

  it("refuses fewer than 3 masters", async () => {
    await expect(startRedisCluster({ masters: 2 })).rejects.toThrow(/masters must be/);
  });
});

describe("redisClusterTestNodes", () => {
  it("uses QTS_TEST_REDIS_CLUSTER when set and does not start anything", async () => {
    vi.stubEnv("QTS_TEST_REDIS_CLUSTER", "10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002");
    const got = await redisClusterTestNodes();
    expect(got.nodes).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
      { host: "::1", port: 7002 },
    ]);
    expect(got.cluster).toBeNull();
    await got.destroy();
  });

  it("rejects a malformed node list", () => {
    expect(() => parseClusterNodeList("localhost")).toThrow(/host:port/);
    expect(() => parseClusterNodeList("h:99999")).toThrow(/host:port/);
  });
});
