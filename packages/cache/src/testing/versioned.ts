import {
  CACHE_VERSION_FIELD,
  type CacheClient,
  CacheUnavailableError,
  isVersionedCacheClient,
  ValidationError,
  type VersionedCacheClient,
} from "@qts/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { largeHash, sleep, uniqueKeyFactory } from "./helpers.js";
import type { CacheConformanceOptions } from "./index.js";

/** A deterministic shuffle (mulberry32), so a failing order can be replayed from the seed in the message. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const V = CACHE_VERSION_FIELD;

/**
 * The behaviour of `VersionedCacheClient.setIfNewer` (the cache never goes back in time). Call inside a
 * vitest test file next to `describeCacheClientConformance`, with the same options.
 */
export function describeVersionedCacheClientConformance(
  name: string,
  makeClient: () => CacheClient | Promise<CacheClient>,
  options: CacheConformanceOptions = {},
): void {
  const margin = options.realTimeMarginMs ?? 150;
  const key = uniqueKeyFactory(`${options.keyPrefix ?? "conformance:"}versioned:`);
  const pass = async (ms: number): Promise<void> => {
    if (options.advance) await options.advance(ms);
    else await sleep(ms + margin);
  };

  describe(`VersionedCacheClient conformance: ${name}`, () => {
    let client: VersionedCacheClient;
    beforeAll(async () => {
      const made = await makeClient();
      if (!isVersionedCacheClient(made)) throw new Error(`${name} has no setIfNewer`);
      client = made;
    });
    afterAll(async () => {
      await client?.close();
      await options.teardown?.();
    });

    it("an absent key is written; the stored hash carries the version field", async () => {
      const k = key("absent");
      expect(await client.setIfNewer(k, { qty: "10" }, 60_000, 3)).toBe(true);
      expect(await client.get(k)).toEqual({ qty: "10", [V]: "3" });
    });

    it("a newer version replaces hash and TTL; an older or equal one changes nothing, TTL included", async () => {
      const k = key("order");
      await client.setIfNewer(k, { qty: "1", old: "x" }, 50, 1);
      expect(await client.setIfNewer(k, { qty: "5" }, 60_000, 5)).toBe(true);
      expect(await client.setIfNewer(k, { qty: "4" }, 50, 4)).toBe(false);
      expect(await client.setIfNewer(k, { qty: "5b" }, 50, 5)).toBe(false);
      await pass(50);
      expect(await client.get(k)).toEqual({ qty: "5", [V]: "5" });
      expect(await client.setIfNewer(k, { qty: "6" }, 60_000, 6)).toBe(true);
      expect(await client.get(k)).toEqual({ qty: "6", [V]: "6" });
    });

    it("version 0 never overwrites a versioned entry, but replaces an unversioned one", async () => {
      const versioned = key("v0-over-versioned");
      await client.setIfNewer(versioned, { qty: "7" }, 60_000, 7);
      expect(await client.setIfNewer(versioned, { qty: "0" }, 60_000, 0)).toBe(false);
      expect(await client.get(versioned)).toEqual({ qty: "7", [V]: "7" });

      const plain = key("v0-over-plain");
      await client.set(plain, { qty: "p" }, 60_000); // no version field: version 0
      expect(await client.setIfNewer(plain, { qty: "z" }, 60_000, 0)).toBe(true);
      expect(await client.get(plain)).toEqual({ qty: "z", [V]: "0" });
      expect(await client.setIfNewer(plain, { qty: "z2" }, 60_000, 0)).toBe(true);
      expect(await client.setIfNewer(plain, { qty: "one" }, 60_000, 1)).toBe(true);
      expect(await client.get(plain)).toEqual({ qty: "one", [V]: "1" });
    });

    it("a plain set that carries the version field counts as that version", async () => {
      const k = key("plain-versioned");
      await client.set(k, { qty: "9", [V]: "9" }, 60_000);
      expect(await client.setIfNewer(k, { qty: "8" }, 60_000, 8)).toBe(false);
      expect(await client.setIfNewer(k, { qty: "10" }, 60_000, 10)).toBe(true);
      expect(await client.get(k)).toEqual({ qty: "10", [V]: "10" });
    });

    it("fields of the replaced hash never survive: wide, narrow, the empty hash", async () => {
      const k = key("fields");
      const wide = largeHash(1000, 16);
      expect(await client.setIfNewer(k, wide, 60_000, 1)).toBe(true);
      expect(await client.get(k)).toEqual({ ...wide, [V]: "1" });
      expect(await client.setIfNewer(k, { a: "1", b: "2" }, 60_000, 2)).toBe(true);
      expect(await client.get(k)).toEqual({ a: "1", b: "2", [V]: "2" });
      expect(await client.setIfNewer(k, { b: "3", c: "4" }, 60_000, 3)).toBe(true);
      expect(await client.get(k)).toEqual({ b: "3", c: "4", [V]: "3" });
      expect(await client.setIfNewer(k, { b: "5", c: "6" }, 60_000, 4)).toBe(true);
      expect(await client.get(k)).toEqual({ b: "5", c: "6", [V]: "4" });
      const empty = key("over-empty");
      await client.set(empty, {}, 60_000);
      expect(await client.setIfNewer(empty, { a: "1" }, 60_000, 1)).toBe(true);
      expect(await client.get(empty)).toEqual({ a: "1", [V]: "1" });
    });

    it("after the entry expired or was deleted, any version is written", async () => {
      const expired = key("expired");
      await client.setIfNewer(expired, { qty: "9" }, 50, 9);
      await pass(51);
      expect(await client.setIfNewer(expired, { qty: "2" }, 60_000, 2)).toBe(true);
      expect(await client.get(expired)).toEqual({ qty: "2", [V]: "2" });
      const deleted = key("deleted");
      await client.setIfNewer(deleted, { qty: "9" }, 60_000, 9);
      await client.delete(deleted);
      expect(await client.setIfNewer(deleted, { qty: "1" }, 60_000, 1)).toBe(true);
    });

    it("versions beyond 2^31 compare as numbers, not as strings", async () => {
      const k = key("big");
      const big = 2 ** 40;
      expect(await client.setIfNewer(k, { q: "a" }, 60_000, big)).toBe(true);
      expect(await client.setIfNewer(k, { q: "b" }, 60_000, 9)).toBe(false); // "9" > "1099..." as a string
      expect(await client.setIfNewer(k, { q: "c" }, 60_000, big + 1)).toBe(true);
      expect(await client.get(k)).toEqual({ q: "c", [V]: String(big + 1) });
    });

    it("bad versions, a mismatched version field, bad keys and TTLs reject with ValidationError and write nothing", async () => {
      const k = key("bad");
      for (const version of [
        -1,
        1.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        2 ** 53,
        "3" as unknown as number,
      ]) {
        await expect(client.setIfNewer(k, { a: "1" }, 60_000, version)).rejects.toBeInstanceOf(
          ValidationError,
        );
      }
      await expect(client.setIfNewer(k, { a: "1", [V]: "2" }, 60_000, 3)).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(client.setIfNewer(k, { a: "1" }, 0, 3)).rejects.toBeInstanceOf(ValidationError);
      await expect(client.setIfNewer(k, { a: 1 } as never, 60_000, 3)).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(client.setIfNewer("", { a: "1" }, 60_000, 3)).rejects.toBeInstanceOf(ValidationError);
      expect(await client.get(k)).toBeNull();
      // A matching version field is accepted as given.
      expect(await client.setIfNewer(k, { a: "1", [V]: "3" }, 60_000, 3)).toBe(true);
      expect(await client.get(k)).toEqual({ a: "1", [V]: "3" });
    });

    it("4 concurrent writers with shuffled versions 1..400: the cache ends at 400 and never goes back", async () => {
      const k = key("race");
      const versions = Array.from({ length: 400 }, (_, i) => i + 1);
      const seed = Date.now() >>> 0;
      const order = shuffled(versions, seed);
      const writers = [0, 1, 2, 3].map((w) => order.filter((_, i) => i % 4 === w));
      let running = true;
      const seen: number[] = [];
      const reader = (async () => {
        while (running) {
          const hash = await client.get(k);
          if (hash !== null) seen.push(Number(hash[V]));
          await sleep(0);
        }
      })();
      const applied = await Promise.all(
        writers.map(async (list) => {
          let count = 0;
          for (const v of list) if (await client.setIfNewer(k, { qty: `q${v}`, w: "x" }, 60_000, v)) count++;
          return count;
        }),
      );
      running = false;
      await reader;
      expect(await client.get(k), `seed ${seed}`).toEqual({ qty: "q400", w: "x", [V]: "400" });
      const total = applied.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(1);
      expect(total).toBeLessThan(400);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    });

    it("after close, setIfNewer rejects with CacheUnavailableError", async () => {
      const other = await makeClient();
      await other.close();
      if (!isVersionedCacheClient(other)) throw new Error(`${name} has no setIfNewer`);
      await expect(other.setIfNewer(key("closed"), { a: "1" }, 60_000, 1)).rejects.toBeInstanceOf(
        CacheUnavailableError,
      );
    });
  });
}
