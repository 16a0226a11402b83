import { CacheUnavailableError } from "@qts/contracts";
import { type PrivateRedis, startPrivateRedis } from "@qts/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisCacheClient } from "../src/index.js";

/** The command timeout is 100 ms; a failing call must come back well before a slow retry would. */
const FAIL_FAST_MS = 400;

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown; value: T | undefined }> {
  const started = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - started, error: undefined, value };
  } catch (error) {
    return { ms: performance.now() - started, error, value: undefined };
  }
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  let last: unknown;
  while (performance.now() - started < timeoutMs) {
    try {
      return { value: await fn(), ms: performance.now() - started };
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`not recovered within ${timeoutMs} ms: ${String(last)}`);
}

describe("RedisCacheClient against a private redis-server that hangs and dies", () => {
  let server: PrivateRedis;
  let client: RedisCacheClient;
  beforeAll(async () => {
    server = await startPrivateRedis();
    client = new RedisCacheClient({ url: server.url, namespace: "fault:" });
    await client.ready();
  });
  afterAll(async () => {
    await client?.close();
    await server?.destroy();
  });

  it("paused (SIGSTOP): calls fail within the command timeout; resumed: they succeed", async () => {
    await client.set("k", { v: "1" }, 60_000);
    server.pause();
    try {
      const calls = [
        () => client.get("k"),
        () => client.set("k", { v: "2" }, 60_000),
        () => client.getMany(["k"]),
      ];
      for (const call of calls) {
        const r = await timed<unknown>(call());
        expect(r.error).toBeInstanceOf(CacheUnavailableError);
        expect(String((r.error as Error).message)).toMatch(/timed out/i);
        expect(r.ms).toBeLessThan(FAIL_FAST_MS);
      }
      const health = await client.healthCheck();
      expect(health.healthy).toBe(false);
    } finally {
      server.resume();
    }
    const { value } = await eventually(() => client.get("k"), 2000);
    // A write that timed out may still have reached the server: the outcome of a timed-out set is unknown.
    expect([{ v: "1" }, { v: "2" }]).toContainEqual(value);
    expect(await client.set("k", { v: "3" }, 60_000)).toBe(true);
    expect(await client.get("k")).toEqual({ v: "3" });
  });

  it("killed: calls fail at once (no offline queue); restarted: the client reconnects by itself", async () => {
    await server.kill();
    // Let the client notice the closed socket.
    await eventually(async () => {
      if (client.status === "ready") throw new Error("still ready");
    }, 2000);
    for (let i = 0; i < 5; i++) {
      const r = await timed<unknown>(client.get("k"));
      expect(r.error).toBeInstanceOf(CacheUnavailableError);
      expect(r.ms).toBeLessThan(50);
    }
    const many = await timed<unknown>(
      Promise.all(Array.from({ length: 200 }, () => client.set("x", { a: "1" }, 100))),
    );
    expect(many.error).toBeInstanceOf(CacheUnavailableError);
    expect(many.ms).toBeLessThan(FAIL_FAST_MS);
    expect((await client.healthCheck()).healthy).toBe(false);

    await server.start();
    const recovered = await eventually(() => client.set("k", { v: "after" }, 60_000), 5000);
    expect(recovered.value).toBe(true);
    expect(await client.get("k")).toEqual({ v: "after" });
    expect((await client.healthCheck()).healthy).toBe(true);
  });

  it("a call in flight when the server dies is rejected, not resent later", async () => {
    server.pause();
    const pending = timed<unknown>(client.get("k"));
    await server.kill();
    const r = await pending;
    expect(r.error).toBeInstanceOf(CacheUnavailableError);
    expect(r.ms).toBeLessThan(FAIL_FAST_MS);
    await server.start();
    await eventually(() => client.get("k"), 5000);
  });
});
