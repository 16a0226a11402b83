import { CacheUnavailableError, ConfigError, ValidationError } from "@qts/contracts";
import { redisTestUrl, uniqueNamespace } from "@qts/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_HASH_MARKER, RedisCacheClient } from "../src/index.js";
import {
  describeCacheClientConformance,
  describeVersionedCacheClientConformance,
} from "../src/testing/index.js";

const url = await redisTestUrl();
/**
 * Command timeout for tests that are not about timeouts: the 100 ms default is right for an
 * engine, but a CI machine running every package's tests at once can stall the event loop
 * longer than that. Timeout behaviour has its own tests below and in redis-faults.test.ts.
 */
const socketTimeoutMs = 2_000;
const namespaces: string[] = [];
function ns(): string {
  const n = uniqueNamespace("qtstest:cache");
  namespaces.push(n);
  return n;
}

/** A plain ioredis connection to look at what the client stored. */
let raw: Redis;
beforeAll(() => {
  raw = new Redis(url, { lazyConnect: false });
});
afterAll(async () => {
  for (const n of namespaces) {
    const keys = await raw.keys(`${n}*`);
    if (keys.length > 0) await raw.unlink(...keys);
  }
  await raw.quit();
});

const suiteNs = ns();
describeCacheClientConformance(
  "RedisCacheClient (single, Lua set)",
  () => new RedisCacheClient({ url, namespace: suiteNs, socketTimeoutMs }),
);
describeVersionedCacheClientConformance(
  "RedisCacheClient (single)",
  () => new RedisCacheClient({ url, namespace: suiteNs, socketTimeoutMs }),
);
const multiNs = ns();
describeCacheClientConformance(
  "RedisCacheClient (single, MULTI set, no auto-pipelining)",
  () =>
    new RedisCacheClient({
      url,
      namespace: multiNs,
      socketTimeoutMs,
      setStrategy: "multi",
      enableAutoPipelining: false,
    }),
);

describe("RedisCacheClient on a single Redis", () => {
  let client: RedisCacheClient;
  let namespace: string;
  beforeAll(() => {
    namespace = ns();
    client = new RedisCacheClient({ url, namespace, socketTimeoutMs });
  });
  afterAll(async () => {
    await client.close();
  });

  it("stores keys under the namespace as real Redis hashes with a millisecond TTL", async () => {
    await client.set("pos:AAPL", { qty: "10", avgPrice: "1.5" }, 1500);
    expect(await raw.type(`${namespace}pos:AAPL`)).toBe("hash");
    expect(await raw.hgetall(`${namespace}pos:AAPL`)).toEqual({ qty: "10", avgPrice: "1.5" });
    const pttl = await raw.pttl(`${namespace}pos:AAPL`);
    expect(pttl).toBeGreaterThan(1000);
    expect(pttl).toBeLessThanOrEqual(1500);
    expect(await raw.exists("pos:AAPL")).toBe(0);
  });

  it("rounds a fractional TTL up to whole milliseconds", async () => {
    await client.set("frac", { a: "1" }, 0.2);
    const pttl = await raw.pttl(`${namespace}frac`);
    expect(pttl === -2 || (pttl >= 0 && pttl <= 1)).toBe(true);
    await client.set("frac2", { a: "1" }, 10_000.4);
    expect(await raw.pttl(`${namespace}frac2`)).toBeGreaterThan(9_000);
  });

  it("setIfNewer replaces a key of another type and sets the TTL in whole ms", async () => {
    await raw.set(`${namespace}typed`, "a string");
    expect(await client.setIfNewer("typed", { qty: "1" }, 1500, 1)).toBe(true);
    expect(await raw.type(`${namespace}typed`)).toBe("hash");
    expect(await raw.hgetall(`${namespace}typed`)).toEqual({ qty: "1", version: "1" });
    const pttl = await raw.pttl(`${namespace}typed`);
    expect(pttl).toBeGreaterThan(1000);
    expect(pttl).toBeLessThanOrEqual(1500);
    // An unreadable cached version counts as 0.
    await raw.hset(`${namespace}typed`, "version", "garbage");
    expect(await client.setIfNewer("typed", { qty: "2" }, 1500, 1)).toBe(true);
    expect(await client.get("typed")).toEqual({ qty: "2", version: "1" });
  });

  it("stores an empty hash as the marker field", async () => {
    await client.set("empty", {}, 10_000);
    expect(await raw.hgetall(`${namespace}empty`)).toEqual({ [EMPTY_HASH_MARKER]: "1" });
    expect(await client.get("empty")).toEqual({});
  });

  it("getMany of 200 keys is one write to the socket (one round trip)", async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `one:${i}`);
    await client.setMany(
      keys.map((k) => [k, { k }] as const),
      10_000,
    );
    const stream = (client.redis as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
    const write = stream.write;
    let writes = 0;
    stream.write = (...a: unknown[]) => {
      writes++;
      return write.apply(stream, a);
    };
    try {
      const got = await client.getMany(keys);
      expect(got.get("one:199")).toEqual({ k: "one:199" });
    } finally {
      stream.write = write;
    }
    expect(writes).toBe(1);
  });

  it("getMany of 1000 keys arms one timeout, not one timer per command", async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `timers:${i}`);
    await client.setMany(
      keys.map((k) => [k, { k }] as const),
      10_000,
    );
    const realSetTimeout = globalThis.setTimeout;
    const realSetInterval = globalThis.setInterval;
    let timers = 0;
    globalThis.setTimeout = ((...a: Parameters<typeof setTimeout>) => {
      timers++;
      return realSetTimeout(...a);
    }) as typeof setTimeout;
    globalThis.setInterval = ((...a: Parameters<typeof setInterval>) => {
      timers++;
      return realSetInterval(...a);
    }) as typeof setInterval;
    let got: Map<string, unknown>;
    try {
      got = await client.getMany(keys);
    } finally {
      globalThis.setTimeout = realSetTimeout;
      globalThis.setInterval = realSetInterval;
    }
    expect(got.size).toBe(1000);
    expect(got.get("timers:999")).toEqual({ k: "timers:999" });
    expect(timers).toBeLessThanOrEqual(2);
  });

  it("fields named like Object.prototype members come back as own fields; duplicate keys give one entry", async () => {
    const tricky: Record<string, string> = { constructor: "c", toString: "t", hasOwnProperty: "h" };
    Object.defineProperty(tricky, "__proto__", {
      value: "p",
      enumerable: true,
      configurable: true,
      writable: true,
    });
    await client.set("proto", tricky, 10_000);
    for (const read of [await client.get("proto"), (await client.getMany(["proto"])).get("proto")]) {
      expect(read).not.toBeNull();
      expect(Object.keys(read as object).sort()).toEqual([
        "__proto__",
        "constructor",
        "hasOwnProperty",
        "toString",
      ]);
      expect(Object.getOwnPropertyDescriptor(read, "__proto__")?.value).toBe("p");
      expect((read as Record<string, string>).constructor).toBe("c");
      expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    }
    const many = await client.getMany(["proto", "missing-key", "proto"]);
    expect([...many.keys()]).toEqual(["proto", "missing-key"]);
    expect(many.get("missing-key")).toBeNull();
  });

  for (const setStrategy of ["script", "multi"] as const) {
    it(`set (${setStrategy}) is atomic: concurrent readers see the old or the new hash, never a mix`, async () => {
      const writer = new RedisCacheClient({ url, namespace, setStrategy, socketTimeoutMs });
      const a = { a1: "1", a2: "1", a3: "1" };
      const b = { b1: "2" };
      await writer.set("atomic", a, 10_000);
      const seen = new Set<string>();
      let writing = true;
      const writes = (async () => {
        for (let i = 0; i < 300; i++) await writer.set("atomic", i % 2 === 0 ? b : a, 10_000);
        writing = false;
      })();
      while (writing) {
        const [h, ttl] = await Promise.all([
          raw.hgetall(`${namespace}atomic`),
          raw.pttl(`${namespace}atomic`),
        ]);
        seen.add(JSON.stringify(h));
        expect(ttl).toBeGreaterThan(0);
      }
      await writes;
      for (const h of seen) expect([JSON.stringify(a), JSON.stringify(b)]).toContain(h);
      await writer.close();
    });
  }

  it("defaults to the qts: namespace", async () => {
    const dflt = new RedisCacheClient({ url });
    expect(dflt.namespace).toBe("qts:");
    expect(dflt.mode).toBe("single");
    await dflt.close();
  });

  it("replaces a hash of 5,000 fields (more than Lua's unpack limit) atomically", async () => {
    const hash = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, String(i)]));
    await client.set("huge", hash, 10_000);
    expect(await raw.hlen(`${namespace}huge`)).toBe(5000);
    await client.set("huge", { only: "1" }, 10_000);
    expect(await raw.hgetall(`${namespace}huge`)).toEqual({ only: "1" });
  });

  it("setMany writes every entry with the TTL", async () => {
    expect(
      await client.setMany(
        [
          ["m:1", { a: "1" }],
          ["m:2", {}],
        ],
        5000,
      ),
    ).toBe(2);
    expect(await client.get("m:1")).toEqual({ a: "1" });
    expect(await client.get("m:2")).toEqual({});
    expect(await raw.pttl(`${namespace}m:1`)).toBeGreaterThan(4000);
    expect(await client.setMany([], 5000)).toBe(0);
    await expect(client.setMany([["m:3", { a: "1" }]], 0)).rejects.toBeInstanceOf(ValidationError);
  });

  it("flushNamespace removes only this namespace (or a prefix of it) by SCAN + UNLINK", async () => {
    const other = new RedisCacheClient({ url, namespace: ns() });
    const mine = new RedisCacheClient({ url, namespace: ns() });
    for (let i = 0; i < 1200; i++) await mine.set(`pos:${i}`, { i: String(i) }, 60_000);
    await mine.set("price:X", { p: "1" }, 60_000);
    await mine.set("p*s:glob", { p: "1" }, 60_000);
    await other.set("pos:1", { i: "other" }, 60_000);
    expect(await mine.flushNamespace("pos:")).toBe(1200);
    expect(await mine.get("price:X")).toEqual({ p: "1" });
    expect(await mine.get("p*s:glob")).toEqual({ p: "1" });
    expect(await mine.flushNamespace()).toBe(2);
    expect(await mine.get("price:X")).toBeNull();
    expect(await other.get("pos:1")).toEqual({ i: "other" });
    expect(await mine.flushNamespace()).toBe(0);
    await Promise.all([mine.close(), other.close()]);
  });

  it("refuses to flush everything when the namespace is empty", async () => {
    const bare = new RedisCacheClient({ url, namespace: "" });
    await expect(bare.flushNamespace()).rejects.toBeInstanceOf(ValidationError);
    await bare.close();
  });

  it("validates before any I/O, even when the server is unreachable", async () => {
    const nowhere = new RedisCacheClient({ host: "127.0.0.1", port: 1, socketConnectTimeoutMs: 200 });
    await expect(nowhere.set("", { a: "1" }, 100)).rejects.toBeInstanceOf(ValidationError);
    await expect(nowhere.set("k", { a: "1" }, -5)).rejects.toBeInstanceOf(ValidationError);
    await expect(nowhere.get("k")).rejects.toBeInstanceOf(CacheUnavailableError);
    const health = await nowhere.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.error).toMatch(/not connected/);
    await nowhere.close();
  });

  it("a Redis error (wrong type) rejects with CacheUnavailableError carrying the cause", async () => {
    await raw.set(`${namespace}str`, "not a hash");
    const error = await client.get("str").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheUnavailableError);
    expect(String((error as Error).cause)).toMatch(/WRONGTYPE/);
    await expect(client.getMany(["str"])).rejects.toBeInstanceOf(CacheUnavailableError);
  });

  it("reads timeouts, password, TLS and db from the config and URL", async () => {
    const c = new RedisCacheClient({
      url: "rediss://user:s3cret@127.0.0.1:1/3",
      socketTimeoutMs: 250,
      socketConnectTimeoutMs: 300,
      namespace: "x:",
    });
    expect(c.config).toMatchObject({ db: 3, tls: true, username: "user", password: "s3cret", port: 1 });
    const opts = (c.redis as Redis).options;
    expect(opts).toMatchObject({
      db: 3,
      username: "user",
      password: "s3cret",
      connectTimeout: 300,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    expect(opts.tls).toBeDefined();
    // The command timeout is enforced by the client (one deadline per operation), not by ioredis timers.
    expect(opts.commandTimeout).toBeUndefined();
    expect(c.commandTimeoutMs).toBe(250);
    await c.close();
    const d = new RedisCacheClient({ url });
    expect((d.redis as Redis).options).toMatchObject({ connectTimeout: 500 });
    expect(d.commandTimeoutMs).toBe(100);
    await d.close();
  });

  it("rejects bad configuration", () => {
    expect(() => new RedisCacheClient({ url: "http://x" })).toThrow(ConfigError);
    expect(() => new RedisCacheClient({ socketTimeoutMs: 0 })).toThrow(ConfigError);
    expect(() => new RedisCacheClient({ cluster: [] })).toThrow(ValidationError);
    expect(() => new RedisCacheClient({ cluster: [{ host: "h", port: 1 }], db: 2 })).toThrow(ValidationError);
    expect(() => new RedisCacheClient({ sentinels: [{ host: "h", port: 1 }], name: "" })).toThrow(
      ValidationError,
    );
    expect(() => new RedisCacheClient({ namespace: 5 as unknown as string })).toThrow(ValidationError);
    expect(() => new RedisCacheClient({ setStrategy: "lua" as never })).toThrow(/setStrategy/);
    expect(() => new RedisCacheClient({ reconnectMaxDelayMs: 0 })).toThrow(/reconnectMaxDelayMs/);
    expect(() => new RedisCacheClient({ enableAutoPipelining: "yes" as never })).toThrow(
      /enableAutoPipelining/,
    );
  });

  it("close leaves the connection ended", async () => {
    const c = new RedisCacheClient({ url, namespace: ns() });
    await c.ready();
    await c.close();
    expect(c.status).toBe("end");
  });
});
