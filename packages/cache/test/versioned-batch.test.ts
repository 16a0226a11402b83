import { ManualClock, ValidationError } from "@qts/contracts";
import { redisClusterTestNodes, redisTestUrl, uniqueNamespace } from "@qts/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { InMemoryCacheClient, RedisCacheClient } from "../src/index.js";

const socketTimeoutMs = 2_000;
const url = await redisTestUrl();
const cluster = await redisClusterTestNodes();
afterAll(async () => {
  await cluster.destroy();
});

type Batchable = InMemoryCacheClient | RedisCacheClient;

const clients: [string, () => Batchable][] = [
  ["InMemoryCacheClient", () => new InMemoryCacheClient({ clock: new ManualClock(0) })],
  [
    "RedisCacheClient (single)",
    () => new RedisCacheClient({ url, namespace: uniqueNamespace("qtstest:vb"), socketTimeoutMs }),
  ],
  [
    "RedisCacheClient (cluster)",
    () =>
      new RedisCacheClient({
        cluster: cluster.nodes,
        namespace: uniqueNamespace("qtstest:vb"),
        socketTimeoutMs,
      }),
  ],
];

for (const [name, make] of clients) {
  describe(`setManyIfNewer: ${name}`, () => {
    it("applies only newer entries in one call and counts them; duplicates keep the highest version", async () => {
      const client = make();
      try {
        const keys = Array.from({ length: 200 }, (_, i) => `pos:S${i}`);
        expect(
          await client.setManyIfNewer(
            keys.map((k) => [k, { q: "a" }, 5] as const),
            60_000,
          ),
        ).toBe(200);
        // Even keys get version 6 (applied), odd keys version 4 (not applied).
        const second = keys.map((k, i) => [k, { q: "b" }, i % 2 === 0 ? 6 : 4] as const);
        expect(await client.setManyIfNewer(second, 60_000)).toBe(100);
        const got = await client.getMany(keys);
        keys.forEach((k, i) => {
          expect(got.get(k)).toEqual(i % 2 === 0 ? { q: "b", version: "6" } : { q: "a", version: "5" });
        });
        const dup = await client.setManyIfNewer(
          [
            ["pos:D", { q: "9" }, 9],
            ["pos:D", { q: "3" }, 3],
          ],
          60_000,
        );
        expect(dup).toBe(1);
        expect(await client.get("pos:D")).toEqual({ q: "9", version: "9" });
        expect(await client.setManyIfNewer([], 60_000)).toBe(0);
        if (client instanceof RedisCacheClient) await client.flushNamespace();
      } finally {
        await client.close();
      }
    });

    it("one bad entry rejects the whole batch with ValidationError and writes nothing", async () => {
      const client = make();
      try {
        await expect(
          client.setManyIfNewer(
            [
              ["pos:OK", { q: "1" }, 1],
              ["pos:BAD", { q: "1" }, -1],
            ],
            60_000,
          ),
        ).rejects.toBeInstanceOf(ValidationError);
        await expect(client.setManyIfNewer([["pos:OK", { q: "1" }, 1]], 0)).rejects.toBeInstanceOf(
          ValidationError,
        );
        expect(await client.get("pos:OK")).toBeNull();
      } finally {
        await client.close();
      }
    });
  });
}
