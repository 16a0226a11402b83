import { CacheUnavailableError } from "@qts/contracts";
import { expect, it } from "vitest";
import { InMemoryCacheClient } from "../src/index.js";
import { FaultyCacheClient } from "../src/testing/index.js";

it("FaultyCacheClient (exported from @qts/cache/testing) passes through, fails, hangs and corrupts on demand", async () => {
  const c = new FaultyCacheClient(new InMemoryCacheClient());
  expect(await c.set("k", { a: "1" }, 1000)).toBe(true);
  expect(await c.get("k")).toEqual({ a: "1" });
  c.modes.get = "fail";
  await expect(c.get("k")).rejects.toBeInstanceOf(CacheUnavailableError);
  c.modes.get = "hang";
  const hung = await Promise.race([
    c.get("k").then(() => "settled"),
    new Promise((r) => setTimeout(() => r("hung"), 30)),
  ]);
  expect(hung).toBe("hung");
  c.modes.get = "ok";
  c.corrupt("k", { qty: "not a number" });
  expect(await c.get("k")).toEqual({ qty: "not a number" });
  expect(await c.get("k")).toEqual({ a: "1" });
  expect(c.calls.get).toBe(5);
  expect(c.inner.size).toBe(1);
});
