import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { type PrivateRedis, redisTestUrl, startPrivateRedis, uniqueNamespace } from "../src/index.js";
import { processGone, tcpConnect } from "./helpers.js";

const clients: Redis[] = [];
function client(url: string): Redis {
  const c = new Redis(url, {
    commandTimeout: 300,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 50,
    lazyConnect: true,
  });
  c.on("error", () => {});
  clients.push(c);
  return c;
}

const instances: PrivateRedis[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(instances.map((i) => i.destroy()));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("startPrivateRedis", () => {
  it("pauses, resumes, kills and restarts a private server", async () => {
    const redis = await startPrivateRedis();
    instances.push(redis);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}/0`);
    expect(redis.port).not.toBe(6379);
    expect(redis.running).toBe(true);

    const a = client(redis.url);
    await a.connect();
    await a.set("k", "v1");
    expect(await a.get("k")).toBe("v1");
    expect(await a.config("GET", "save")).toEqual(["save", ""]);

    redis.pause();
    await expect(a.get("k")).rejects.toThrow(/timed out/i);
    redis.resume();
    expect(await a.get("k")).toBe("v1");

    const firstPid = redis.pid;
    await redis.kill();
    expect(processGone(firstPid)).toBe(true);
    expect(redis.running).toBe(false);
    expect(await tcpConnect(redis.port)).toBe("ECONNREFUSED");
    await expect(a.get("k")).rejects.toThrow();

    await redis.start();
    expect(redis.pid).not.toBe(firstPid);
    const c = client(redis.url);
    await c.connect();
    expect(await c.get("k")).toBeNull(); // no persistence: a crash loses everything
    await c.set("k", "v2");

    const secondPid = redis.pid;
    await redis.stop();
    expect(processGone(secondPid)).toBe(true);
    await redis.start();
    const d = client(redis.url);
    await d.connect();
    expect(await d.ping()).toBe("PONG");

    const lastPid = redis.pid;
    await redis.destroy();
    expect(processGone(lastPid)).toBe(true);
    expect(existsSync(redis.dir)).toBe(false);
    expect(await tcpConnect(redis.port)).toBe("ECONNREFUSED");
  });
});

describe("redisTestUrl / uniqueNamespace", () => {
  it("uses QTS_TEST_REDIS_URL when set", async () => {
    vi.stubEnv("QTS_TEST_REDIS_URL", "redis://cache.example:7000/3");
    expect(await redisTestUrl()).toBe("redis://cache.example:7000/3");
  });

  it("otherwise shares one private server per process", async () => {
    vi.stubEnv("QTS_TEST_REDIS_URL", "");
    const url = await redisTestUrl();
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+\/0$/);
    expect(url).not.toContain(":6379/");
    expect(await redisTestUrl()).toBe(url);
    const c = client(url);
    await c.connect();
    const ns = uniqueNamespace();
    await c.set(`${ns}x`, "1");
    expect(await c.keys(`${ns}*`)).toEqual([`${ns}x`]);
  });

  it("makes distinct namespaces that carry the pid", () => {
    const a = uniqueNamespace();
    const b = uniqueNamespace();
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^qtstest:${process.pid}:[0-9a-f]{12}:$`));
    expect(uniqueNamespace("cachetest").startsWith("cachetest:")).toBe(true);
  });
});
