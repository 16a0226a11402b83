import { CacheUnavailableError, ValidationError } from "@qts/contracts";
import { type PrivateRedis, redisClusterTestNodes, startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisCacheClient, RedisInvalidationTracker } from "../src/index.js";

const socketTimeoutMs = 2_000;

/** Resolves with the value once `check` returns one (not undefined), or rejects after `ms`. */
async function waitFor<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    const v = check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** A plain connection for the "other process" side; its connection errors while the server is down are expected. */
function quietRedis(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: 0 });
  r.on("error", () => undefined);
  return r;
}

/** Records every event of a tracker. */
function record(tracker: RedisInvalidationTracker) {
  const log = { keys: [] as (string[] | null)[], lost: [] as string[], tracking: 0 };
  tracker.on("invalidate", (keys) => log.keys.push(keys === null ? null : [...keys]));
  tracker.on("lost", (reason) => log.lost.push(reason));
  tracker.on("tracking", () => log.tracking++);
  return log;
}

describe("RedisInvalidationTracker on a private Redis", () => {
  let server: PrivateRedis;
  let other: Redis;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    server = await startPrivateRedis();
    other = quietRedis(server.url);
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });
  afterAll(async () => {
    other?.disconnect();
    await server?.destroy();
  });

  async function setup(namespace: string, heartbeatMs?: number) {
    const client = new RedisCacheClient({ url: server.url, namespace, socketTimeoutMs });
    open.push(client);
    await client.ready();
    const tracker = new RedisInvalidationTracker(client, { heartbeatMs });
    open.push(tracker);
    const log = record(tracker);
    await tracker.start();
    return { client, tracker, log };
  }

  it("reports another connection's writes under the namespace, without it; other keys are not reported", async () => {
    const { tracker, log } = await setup("nc1:");
    expect(tracker.tracking).toBe(true);
    expect(log.tracking).toBe(1);
    await other.hset("nc1:pos:AAPL", "qty", "1");
    await other.hset("elsewhere:pos:AAPL", "qty", "1");
    await other.unlink("nc1:pos:AAPL", "nc1:pos:MSFT");
    await waitFor(() => (log.keys.length >= 2 ? true : undefined), 2000, "two invalidations");
    await new Promise((r) => setTimeout(r, 50));
    expect(log.keys).toEqual([["pos:AAPL"], ["pos:AAPL"]]); // UNLINK of a missing key changes nothing
    const info = (await other.client("LIST")) as string;
    expect(info).toMatch(/name=qts-invalidation/);
  });

  it("own writes are reported too; FLUSHDB is reported as null (everything)", async () => {
    const a = await setup("nc2:");
    const b = await setup("nc2:");
    await a.client.set("pos:A", { qty: "1" }, 60_000);
    await b.client.setIfNewer("pos:B", { qty: "1" }, 60_000, 1);
    for (const side of [a, b]) {
      await waitFor(() => (side.log.keys.length >= 2 ? true : undefined), 2000, "own and other's write");
      expect(side.log.keys.flat().sort()).toEqual(["pos:A", "pos:B"]);
    }
    await other.flushdb();
    await waitFor(() => (a.log.keys.at(-1) === null ? true : undefined), 2000, "a null invalidation");
  });

  it("CLIENT KILL of the invalidation connection: lost at once, then tracking again with a new id", async () => {
    const { client, tracker, log } = await setup("nc3:");
    const firstId = tracker.clientId;
    expect(firstId).not.toBeNull();
    const killed = performance.now();
    expect(await other.client("KILL", "ID", String(firstId))).toBe(1);
    await waitFor(() => (log.lost.length === 1 ? true : undefined), 2000, "lost");
    const lostMs = performance.now() - killed;
    expect(log.lost[0]).toMatch(/invalidation connection/);
    expect(tracker.tracking).toBe(false);
    // A write while tracking is lost is not reported (the near cache is empty and bypassed meanwhile).
    await waitFor(() => (log.tracking === 2 ? true : undefined), 5000, "tracking again");
    const backMs = performance.now() - killed;
    expect(tracker.clientId).not.toBe(firstId);
    expect(lostMs).toBeLessThan(backMs);
    const before = log.keys.length;
    await other.hset("nc3:pos:X", "qty", "2");
    await waitFor(
      () => (log.keys.length > before ? true : undefined),
      2000,
      "invalidation after re-subscribe",
    );
    expect(log.keys.at(-1)).toEqual(["pos:X"]);
    // The data connection tracks with the new redirect.
    const info = (await client.redis.call("CLIENT", "TRACKINGINFO")) as unknown[];
    expect(info[3]).toBe(tracker.clientId);
  });

  it("CLIENT KILL of the data connection: lost, then tracking again once the client reconnects", async () => {
    const { client, tracker, log } = await setup("nc4:");
    const dataId = Number(await client.redis.call("CLIENT", "ID"));
    await other.client("KILL", "ID", String(dataId));
    await waitFor(() => (log.lost.length === 1 ? true : undefined), 2000, "lost");
    expect(log.lost[0]).toMatch(/data connection/);
    await waitFor(() => (log.tracking === 2 ? true : undefined), 5000, "tracking again");
    expect(tracker.tracking).toBe(true);
    await other.hset("nc4:pos:Y", "qty", "1");
    await waitFor(() => (log.keys.some((k) => k?.[0] === "pos:Y") ? true : undefined), 2000, "invalidation");
  });

  it("Redis SIGKILLed and restarted: lost, start() times out while down, tracking again after the restart", async () => {
    const { client, tracker, log } = await setup("nc5:");
    await server.kill();
    await waitFor(() => (log.lost.length >= 1 ? true : undefined), 2000, "lost");
    expect(tracker.tracking).toBe(false);
    const short = new RedisInvalidationTracker(
      { redis: client.redis, namespace: "nc5:" },
      { startTimeoutMs: 200 },
    );
    await expect(short.start()).rejects.toBeInstanceOf(CacheUnavailableError);
    await short.close();
    await server.start();
    await waitFor(() => (tracker.tracking ? true : undefined), 10_000, "tracking after restart");
    const fresh = new Redis(server.url);
    try {
      await fresh.hset("nc5:pos:Z", "qty", "1");
      await waitFor(
        () => (log.keys.some((k) => k?.[0] === "pos:Z") ? true : undefined),
        2000,
        "invalidation",
      );
    } finally {
      fresh.disconnect();
    }
    other.disconnect();
    other = quietRedis(server.url);
  });

  it("a hung server (SIGSTOP): the heartbeat reports lost; resumed: tracking again, invalidations flow", async () => {
    const { tracker, log } = await setup("nc8:", 200);
    server.pause();
    const paused = performance.now();
    try {
      await waitFor(() => (log.lost.length >= 1 ? true : undefined), 3000, "lost");
      const lostMs = performance.now() - paused;
      expect(log.lost[0]).toMatch(/unresponsive/);
      expect(tracker.tracking).toBe(false);
      expect(lostMs).toBeLessThan(2000); // a ping every 200 ms, no reply within 200 ms (+ ticks, load)
    } finally {
      server.resume();
    }
    await waitFor(() => (tracker.tracking ? true : undefined), 10_000, "tracking after resume");
    const before = log.keys.length;
    await other.hset("nc8:pos:H", "qty", "1");
    await waitFor(() => (log.keys.length > before ? true : undefined), 2000, "invalidation after resume");
    expect(log.keys.at(-1)).toEqual(["pos:H"]);
  });

  it("every one of 1,000 writes from another connection is reported (delay p50/p99 printed)", async () => {
    const { tracker, log } = await setup("nc7:");
    const arrivals: number[] = [];
    tracker.on("invalidate", () => arrivals.push(performance.now()));
    const delays: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const before = log.keys.length;
      const started = performance.now();
      await other.hset(`nc7:pos:S${i % 50}`, "qty", String(i));
      await waitFor(() => (log.keys.length > before ? true : undefined), 2000, `invalidation ${i}`);
      delays.push((arrivals.at(-1) as number) - started);
      expect(log.keys.at(-1)).toEqual([`pos:S${i % 50}`]);
    }
    delays.sort((x, y) => x - y);
    const p = (q: number) => (delays[Math.floor(q * (delays.length - 1))] as number).toFixed(3);
    console.log(
      `HSET sent -> invalidation event (one process, measured at the listener): p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
    );
    expect(delays.length).toBe(1000);
  });

  it("close turns tracking off on the data connection and closes the invalidation connection", async () => {
    const { client, tracker } = await setup("nc6:");
    await tracker.close();
    await tracker.close();
    const info = (await client.redis.call("CLIENT", "TRACKINGINFO")) as unknown[];
    expect(info[1]).toEqual(["off"]);
    expect((await other.client("LIST")) as string).not.toMatch(/name=qts-invalidation/);
    await expect(tracker.start()).rejects.toBeInstanceOf(CacheUnavailableError);
  });
});

describe("RedisInvalidationTracker on a Redis Cluster", () => {
  it("is refused at construction with a clear error", async () => {
    const env = await redisClusterTestNodes();
    const client = new RedisCacheClient({ cluster: env.nodes, namespace: "nc-cluster:", socketTimeoutMs });
    try {
      expect(() => new RedisInvalidationTracker(client)).toThrow(ValidationError);
      expect(() => new RedisInvalidationTracker(client)).toThrow(/Cluster/);
    } finally {
      await client.close();
      await env.destroy();
    }
  });
});
