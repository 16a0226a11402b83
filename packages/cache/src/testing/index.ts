import { type CacheClient, type CacheHash, CacheUnavailableError, ValidationError } from "@qts/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { largeHash, sleep, uniqueKeyFactory } from "./helpers.js";

export { largeHash, sleep } from "./helpers.js";

export interface CacheConformanceOptions {
  /**
   * Moves the client's clock forward (e.g. `(ms) => clock.advance(ms)` with a `ManualClock`). With it the TTL
   * tests take no real time; without it they wait in real time with `realTimeMarginMs` of slack.
   */
  advance?: ((ms: number) => void | Promise<void>) | undefined;
  /** Slack added to real-time waits, and the most a fresh get may take in the 50 ms TTL test (default 150). */
  realTimeMarginMs?: number | undefined;
  /** Prepended to every key the suite uses (default `"conformance:"`); each key also gets a random part. */
  keyPrefix?: string | undefined;
  /** Runs once after the suite, when its shared client is closed (e.g. flush a namespace, stop a server). */
  teardown?: (() => void | Promise<void>) | undefined;
}

/**
 * The behaviour every `CacheClient` must have. Call inside a vitest test file:
 *
 * ```ts
 * const clock = new ManualClock(0);
 * describeCacheClientConformance("InMemoryCacheClient", () => new InMemoryCacheClient({ clock }), {
 *   advance: (ms) => clock.advance(ms),
 * });
 * ```
 *
 * `makeClient` is called once for the shared client and again for the close tests. Keys are unique per test.
 */
export function describeCacheClientConformance(
  name: string,
  makeClient: () => CacheClient | Promise<CacheClient>,
  options: CacheConformanceOptions = {},
): void {
  const margin = options.realTimeMarginMs ?? 150;
  const key = uniqueKeyFactory(options.keyPrefix ?? "conformance:");
  const advance = options.advance;

  /** Lets `ms` of cache time pass: the clock hook, or real waiting (plus the margin). */
  const pass = async (ms: number): Promise<void> => {
    if (advance) await advance(ms);
    else await sleep(ms + margin);
  };

  describe(`CacheClient conformance: ${name}`, () => {
    let client: CacheClient;
    beforeAll(async () => {
      client = await makeClient();
    });
    afterAll(async () => {
      await client?.close();
      await options.teardown?.();
    });

    it("get of a missing key is null", async () => {
      expect(await client.get(key("missing"))).toBeNull();
    });

    it("set resolves true and get returns exactly the hash", async () => {
      const k = key("roundtrip");
      const hash = { qty: "100.5", avgPrice: "0.000001", empty: "", zero: "007", spaced: "  a b  " };
      expect(await client.set(k, hash, 60_000)).toBe(true);
      expect(await client.get(k)).toEqual(hash);
    });

    it("set replaces the whole hash: fields of an earlier set do not survive", async () => {
      const k = key("replace");
      await client.set(k, { a: "1", b: "2", c: "3" }, 60_000);
      await client.set(k, { b: "20", d: "40" }, 60_000);
      expect(await client.get(k)).toEqual({ b: "20", d: "40" });
    });

    it("set replaces the TTL too", async () => {
      const k = key("retll");
      await client.set(k, { v: "short" }, 50);
      await client.set(k, { v: "long" }, 60_000);
      await pass(50);
      expect(await client.get(k)).toEqual({ v: "long" });
    });

    it("a key expires after its TTL: 1500 ms is not truncated to whole seconds", async () => {
      const k = key("ttl1500");
      if (advance) {
        await client.set(k, { v: "1" }, 1500);
        await advance(1499);
        expect(await client.get(k)).toEqual({ v: "1" });
        await advance(2);
        expect(await client.get(k)).toBeNull();
        return;
      }
      const started = performance.now();
      await client.set(k, { v: "1" }, 1500);
      await sleep(1100 - (performance.now() - started));
      const mid = await client.get(k);
      // Truncating to 1 s would have expired it by now; rounding up to 2 s would keep it past 1500 + margin.
      if (performance.now() - started < 1500 - margin) expect(mid).toEqual({ v: "1" });
      await sleep(1500 + margin - (performance.now() - started));
      expect(await client.get(k)).toBeNull();
    });

    it("a 50 ms TTL holds for 50 ms, not 0 and not a whole second", async () => {
      if (advance) {
        const k = key("ttl50");
        await client.set(k, { v: "1" }, 50);
        await advance(49);
        expect(await client.get(k)).toEqual({ v: "1" });
        await advance(2);
        expect(await client.get(k)).toBeNull();
        return;
      }
      // Present right after set: retried if the machine was too slow to read within the TTL.
      let seen = false;
      for (let attempt = 0; attempt < 5 && !seen; attempt++) {
        const k = key("ttl50");
        const started = performance.now();
        await client.set(k, { v: "1" }, 50);
        const got = await client.get(k);
        if (performance.now() - started < 40) {
          expect(got).toEqual({ v: "1" });
          seen = true;
        }
        await sleep(50 + margin - (performance.now() - started));
        expect(await client.get(k)).toBeNull();
      }
      expect(seen).toBe(true);
    });

    it("delete returns true when a key was removed, false when there was none", async () => {
      const k = key("delete");
      await client.set(k, { a: "1" }, 60_000);
      expect(await client.delete(k)).toBe(true);
      expect(await client.get(k)).toBeNull();
      expect(await client.delete(k)).toBe(false);
      expect(await client.delete(key("never"))).toBe(false);
    });

    it("delete of an expired key returns false", async () => {
      const k = key("delete-expired");
      await client.set(k, { a: "1" }, 50);
      await pass(51);
      expect(await client.delete(k)).toBe(false);
    });

    it("getMany returns present, missing and expired keys in one call", async () => {
      const [present, other, missing, expired] = [key("gm-p"), key("gm-o"), key("gm-m"), key("gm-e")];
      await client.set(expired, { e: "1" }, 50);
      await pass(51);
      await client.set(present, { p: "1" }, 60_000);
      await client.set(other, { o: "2", x: "3" }, 60_000);
      const got = await client.getMany([present, missing, expired, other]);
      expect(got).toBeInstanceOf(Map);
      expect([...got.keys()].sort()).toEqual([present, missing, expired, other].sort());
      expect(got.get(present)).toEqual({ p: "1" });
      expect(got.get(other)).toEqual({ o: "2", x: "3" });
      expect(got.get(missing)).toBeNull();
      expect(got.get(expired)).toBeNull();
    });

    it("getMany of no keys is an empty Map; duplicate keys appear once", async () => {
      expect((await client.getMany([])).size).toBe(0);
      const k = key("gm-dup");
      await client.set(k, { a: "1" }, 60_000);
      const got = await client.getMany([k, k, k]);
      expect(got.size).toBe(1);
      expect(got.get(k)).toEqual({ a: "1" });
    });

    it("getMany of 500 keys", async () => {
      const keys = Array.from({ length: 500 }, (_, i) => key(`gm-many-${i}`));
      await Promise.all(keys.map((k, i) => (i % 2 === 0 ? client.set(k, { i: String(i) }, 60_000) : null)));
      const got = await client.getMany(keys);
      expect(got.size).toBe(500);
      keys.forEach((k, i) => {
        expect(got.get(k)).toEqual(i % 2 === 0 ? { i: String(i) } : null);
      });
    });

    it("an empty hash is stored as an entry: get returns {} (not null), getMany too, delete removes it", async () => {
      const k = key("empty");
      expect(await client.set(k, {}, 60_000)).toBe(true);
      expect(await client.get(k)).toEqual({});
      expect((await client.getMany([k])).get(k)).toEqual({});
      await client.set(k, { a: "1" }, 60_000);
      expect(await client.get(k)).toEqual({ a: "1" });
      await client.set(k, {}, 60_000);
      expect(await client.get(k)).toEqual({});
      expect(await client.delete(k)).toBe(true);
      expect(await client.get(k)).toBeNull();
    });

    it("an empty hash expires like any other", async () => {
      const k = key("empty-ttl");
      await client.set(k, {}, 50);
      await pass(51);
      expect(await client.get(k)).toBeNull();
    });

    it("a hash of 1,000 fields round-trips", async () => {
      const k = key("wide");
      const hash = largeHash(1000, 16);
      await client.set(k, hash, 60_000);
      const got = await client.get(k);
      expect(Object.keys(got ?? {}).length).toBe(1000);
      expect(got).toEqual(hash);
    });

    it("64 KiB values round-trip", async () => {
      const k = key("big");
      const hash = largeHash(4, 64 * 1024);
      await client.set(k, hash, 60_000);
      expect(await client.get(k)).toEqual(hash);
      expect((await client.getMany([k])).get(k)).toEqual(hash);
    });

    it("unicode keys, field names and values round-trip", async () => {
      const k = key("종목:삼성전자:😀:ñ");
      const hash: CacheHash = {
        가격: "71,500원",
        "emoji 🚀": "📈 up",
        "mixed ß∂ƒ": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "\t": "tab\nnewline",
      };
      await client.set(k, hash, 60_000);
      expect(await client.get(k)).toEqual(hash);
      expect((await client.getMany([k])).get(k)).toEqual(hash);
      expect(await client.delete(k)).toBe(true);
    });

    it("keys that look alike stay distinct", async () => {
      const base = key("alike");
      const ks = [base, `${base}*`, `${base}?`, `${base}[a]`, `${base} `, `${base}\\`];
      await Promise.all(ks.map((k, i) => client.set(k, { i: String(i) }, 60_000)));
      const got = await client.getMany(ks);
      ks.forEach((k, i) => {
        expect(got.get(k)).toEqual({ i: String(i) });
      });
    });

    it("100 concurrent writes and reads of distinct keys are consistent", async () => {
      const keys = Array.from({ length: 100 }, (_, i) => key(`conc-${i}`));
      await Promise.all(keys.map((k, i) => client.set(k, { i: String(i) }, 60_000)));
      const got = await Promise.all(keys.map((k) => client.get(k)));
      got.forEach((h, i) => {
        expect(h).toEqual({ i: String(i) });
      });
    });

    it("healthCheck reports healthy with a latency", async () => {
      const health = await client.healthCheck();
      expect(health.healthy).toBe(true);
      expect(health.error).toBe("");
      expect(typeof health.source).toBe("string");
      expect(health.source.length).toBeGreaterThan(0);
      expect(Number.isFinite(health.latencyMs)).toBe(true);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it("bad TTLs reject with ValidationError and write nothing", async () => {
      const k = key("bad-ttl");
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "100" as unknown as number]) {
        await expect(client.set(k, { a: "1" }, ttl)).rejects.toBeInstanceOf(ValidationError);
      }
      expect(await client.get(k)).toBeNull();
    });

    it("bad keys and hashes reject with ValidationError", async () => {
      const bad = ["", 42, null, undefined] as unknown as string[];
      for (const k of bad) {
        await expect(client.get(k)).rejects.toBeInstanceOf(ValidationError);
        await expect(client.set(k, { a: "1" }, 1000)).rejects.toBeInstanceOf(ValidationError);
        await expect(client.delete(k)).rejects.toBeInstanceOf(ValidationError);
        await expect(client.getMany([key("ok"), k])).rejects.toBeInstanceOf(ValidationError);
      }
      const k = key("bad-hash");
      for (const mapping of [null, [], "x", { a: 1 }, { a: null }, { a: "1", b: undefined }]) {
        await expect(client.set(k, mapping as unknown as CacheHash, 1000)).rejects.toBeInstanceOf(
          ValidationError,
        );
      }
      expect(await client.get(k)).toBeNull();
    });

    it("close is idempotent; afterwards calls reject with CacheUnavailableError and health is unhealthy", async () => {
      const other = await makeClient();
      await other.set(key("close"), { a: "1" }, 60_000);
      await other.close();
      await other.close();
      await expect(other.get(key("close"))).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(other.set(key("close"), { a: "1" }, 1000)).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(other.delete(key("close"))).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(other.getMany([key("close")])).rejects.toBeInstanceOf(CacheUnavailableError);
      expect((await other.healthCheck()).healthy).toBe(false);
    });
  });
}

export { type FaultMode, FaultyCacheClient } from "./faulty-cache-client.js";
export { describeVersionedCacheClientConformance } from "./versioned.js";
