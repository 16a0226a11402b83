import { CacheOutOfMemoryError, CacheUnavailableError } from "@qts/contracts";
import { type PrivateRedis, startPrivateRedis } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RedisCacheClient } from "../src/index.js";
import { parseMemoryInfo } from "../src/redis/memory-health.js";

/** Room above the server's empty footprint: about 250 keys of 1 KB before Redis refuses writes. */
const HEADROOM_BYTES = 256 * 1024;
const KEYS = 5_000;
const VALUE = "x".repeat(1024);
/** Generous: a timeout here would be a different error than the OOM under test (the machine is shared). */
const socketTimeoutMs = 5_000;

describe("RedisCacheClient at a private Redis's maxmemory (noeviction)", () => {
  let server: PrivateRedis;
  let admin: Redis;
  let maxmemory = 0;

  const counted = async () => parseMemoryInfo("admin", await admin.info("memory")).counted;

  beforeAll(async () => {
    server = await startPrivateRedis();
    admin = new Redis(server.url);
    await admin.config("SET", "maxmemory-policy", "noeviction");
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.destroy();
  });
  beforeEach(async () => {
    await admin.config("SET", "maxmemory", "0");
    await admin.flushall();
    maxmemory = (await counted()) + HEADROOM_BYTES;
    await admin.config("SET", "maxmemory", String(maxmemory));
  });

  /** Writes KEYS keys of 1 KB one by one; returns how many were written and the errors of the rest. */
  async function fill(
    write: (i: number) => Promise<unknown>,
  ): Promise<{ written: number; last: number; errors: unknown[] }> {
    let written = 0;
    let last = -1;
    const errors: unknown[] = [];
    for (let i = 0; i < KEYS; i++) {
      try {
        await write(i);
        written++;
        last = i;
      } catch (error) {
        errors.push(error);
      }
    }
    return { written, last, errors };
  }

  for (const setStrategy of ["script", "multi"] as const) {
    it(`${setStrategy}: writes stop at the limit with CacheOutOfMemoryError saying OOM; health is unhealthy until memory is freed`, async () => {
      const client = new RedisCacheClient({
        url: server.url,
        namespace: `oom-${setStrategy}:`,
        setStrategy,
        socketTimeoutMs,
      });
      try {
        await client.ready();
        expect((await client.healthCheck()).healthy).toBe(true);
        const { written, last, errors } = await fill((i) => client.set(`k${i}`, { v: VALUE }, 600_000));

        // The limit holds: far fewer than all keys, and memory stays near maxmemory (one write may overshoot).
        expect(written).toBeGreaterThan(0);
        expect(written).toBeLessThan(KEYS / 5);
        expect(await counted()).toBeLessThan(maxmemory + 64 * 1024);
        expect(errors.length).toBe(KEYS - written);
        for (const error of errors) {
          expect(error).toBeInstanceOf(CacheOutOfMemoryError);
          expect(error).toBeInstanceOf(CacheUnavailableError);
          expect((error as CacheOutOfMemoryError).reason).toBe("OOM");
          expect((error as Error).message).toMatch(/out of memory \(OOM\)/);
          expect((error as Error).message).not.toMatch(/EXECABORT/);
        }
        // Near the limit memory wobbles (client buffers) and a write may pass now and then; from here on keep
        // the server clearly over it so every write must be refused.
        await admin.config("SET", "maxmemory", String((await counted()) - 64 * 1024));
        // Replacing an existing key is refused too (as a plain HSET would be), and nothing changed.
        await expect(client.set("k0", { v: "new" }, 600_000)).rejects.toBeInstanceOf(CacheOutOfMemoryError);
        expect(await client.get("k0")).toEqual({ v: VALUE });
        await expect(client.setMany([["many", { v: "1" }]], 600_000)).rejects.toBeInstanceOf(
          CacheOutOfMemoryError,
        );
        await expect(client.setIfNewer("versioned", { v: "1" }, 600_000, 1)).rejects.toBeInstanceOf(
          CacheOutOfMemoryError,
        );
        expect(await client.get("versioned")).toBeNull();

        // Reads still work; health says why writes fail.
        expect(await client.get(`k${last}`)).toEqual({ v: VALUE });
        const health = await client.healthCheck();
        expect(health.healthy).toBe(false);
        expect(health.error).toMatch(/out of memory \(OOM\)/);
        expect(health.error).toMatch(/noeviction/);

        // Keys removed (deletes are allowed at the limit) and room made: healthy again, writes succeed.
        expect(await client.flushNamespace()).toBe(written);
        await admin.config("SET", "maxmemory", String((await counted()) + HEADROOM_BYTES));
        const afterFlush = await client.healthCheck();
        expect(afterFlush.error).toBe("");
        expect(afterFlush.healthy).toBe(true);
        expect(await client.set("after", { v: "1" }, 600_000)).toBe(true);
      } finally {
        await client.close();
      }
    });
  }

  it("with an eviction policy that finds nothing to evict, a refused write makes health unhealthy", async () => {
    await admin.config("SET", "maxmemory-policy", "volatile-lru");
    // Keys without a TTL cannot be evicted by volatile-lru: fill past the limit with them.
    const client = new RedisCacheClient({ url: server.url, namespace: "oom-volatile:", socketTimeoutMs });
    try {
      await client.ready();
      await admin.config("SET", "maxmemory", "0");
      for (let i = 0; i < 400; i++) await admin.hset(`oom-volatile:persist${i}`, "v", VALUE);
      await admin.config("SET", "maxmemory", String(maxmemory));
      // Over the limit, but the policy may evict: not reported until a write is refused.
      expect((await client.healthCheck()).healthy).toBe(true);
      await expect(client.set("k", { v: VALUE }, 600_000)).rejects.toBeInstanceOf(CacheOutOfMemoryError);
      const health = await client.healthCheck();
      expect(health.healthy).toBe(false);
      expect(health.error).toMatch(/OOM/);
      expect(health.error).toMatch(/volatile-lru/);
      await admin.config("SET", "maxmemory", "0");
      expect((await client.healthCheck()).healthy).toBe(true);
    } finally {
      await admin.config("SET", "maxmemory-policy", "noeviction");
      await client.close();
    }
  });
});
