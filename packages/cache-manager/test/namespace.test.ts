import { InMemoryCacheClient, RedisCacheClient } from "@qts/cache";
import { ValidationError } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { afterAll, describe, expect, it } from "vitest";
import { CacheManager } from "../src/index.js";

const url = process.env.QTS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

describe("an empty namespace on both the manager and a shared client (issue 17 item 4)", () => {
  const clients: RedisCacheClient[] = [];
  const redis = (namespace: string): RedisCacheClient => {
    const c = new RedisCacheClient({ url, namespace });
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  it("is refused at construction with a ValidationError naming the namespace", () => {
    const client = redis("");
    let caught: unknown;
    try {
      new CacheManager(client, new InMemoryAdapter(), { metricsIntervalMs: 0 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).message).toMatch(/namespace/);
    expect((caught as ValidationError).message).toMatch(/allowEmptyNamespace/);
    expect(
      () => new CacheManager(client, new InMemoryAdapter(), { namespace: "", metricsIntervalMs: 0 }),
    ).toThrow(ValidationError);
  });

  it("is accepted when explicitly allowed, or when either side has a namespace", async () => {
    const ok = [
      new CacheManager(redis(""), new InMemoryAdapter(), { allowEmptyNamespace: true, metricsIntervalMs: 0 }),
      new CacheManager(redis(""), new InMemoryAdapter(), { namespace: "desk1:", metricsIntervalMs: 0 }),
      new CacheManager(redis("qts:"), new InMemoryAdapter(), { metricsIntervalMs: 0 }),
      // The in-memory client's store belongs to this process: nothing else's keys can be under it.
      new CacheManager(new InMemoryCacheClient(), new InMemoryAdapter(), { metricsIntervalMs: 0 }),
    ];
    for (const m of ok) {
      expect(m).toBeInstanceOf(CacheManager);
      await m.close();
    }
  });

  it("rejects a non-boolean allowEmptyNamespace", () => {
    expect(
      () =>
        new CacheManager(new InMemoryCacheClient(), new InMemoryAdapter(), {
          allowEmptyNamespace: "yes" as unknown as boolean,
        }),
    ).toThrow(ValidationError);
  });
});
