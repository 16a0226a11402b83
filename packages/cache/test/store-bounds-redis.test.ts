import {
  cacheKey,
  DECIMAL_LIMITS,
  MAX_DATE_MS,
  MAX_TEXT_LENGTH,
  position,
  positionFromHash,
  positionToHash,
  tick,
  tickFromHash,
  tickToHash,
} from "@qts/contracts";
import { redisTestUrl, uniqueNamespace } from "@qts/testkit";
import { afterAll, expect, it } from "vitest";
import { RedisCacheClient } from "../src/index.js";

// The record factories' extremes survive a real Redis exactly, like every other store
// (see @qts/db-adapters test/store-bounds.test.ts for memory, Sheets and PostgreSQL).

const url = await redisTestUrl();
const namespace = uniqueNamespace("qtstest:bounds");
const client = new RedisCacheClient({ url, namespace, socketTimeoutMs: 2_000 });
afterAll(async () => {
  await client.flushNamespace();
  await client.close();
});

const BIG = "9".repeat(DECIMAL_LIMITS.maxIntegerDigits);
const WIDE = `-${"1".repeat(500)}.${"2".repeat(500)}`;

it("a position and a tick at the limits round-trip through Redis hashes exactly", async () => {
  const p = position({
    symbol: "😀𝔘.X",
    qty: WIDE,
    avgPrice: BIG,
    market: `é${"m".repeat(MAX_TEXT_LENGTH - 1)}`,
    unrealizedPnl: "1e-1000",
    updatedAt: MAX_DATE_MS,
  });
  const key = cacheKey("position", p.symbol);
  expect(await client.set(key, positionToHash(p), 60_000)).toBe(true);
  const back = positionFromHash((await client.get(key))!);
  expect(positionToHash(back)).toEqual(positionToHash(p));
  expect(back.qty.eq(p.qty)).toBe(true);

  const t = tick({ time: 0, symbol: "😀𝔘.X", price: "1e-1000", volume: 1, ask: BIG, source: "s😀" });
  const tKey = cacheKey("price", t.symbol);
  expect(await client.set(tKey, tickToHash(t), 60_000)).toBe(true);
  expect(tickToHash(tickFromHash((await client.get(tKey))!))).toEqual(tickToHash(t));
});
