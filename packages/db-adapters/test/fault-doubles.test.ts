import { DataSourceError, DataSourceUnavailableError } from "@qts/contracts";
import { expect, it } from "vitest";
import { InMemoryAdapter } from "../src/index.js";
import { makeEntry, RefusingAdapter, SwitchableAdapter } from "../src/testing/index.js";

it("SwitchableAdapter / RefusingAdapter (exported from @qts/db-adapters/testing) inject outages and refusals", async () => {
  const inner = new InMemoryAdapter();
  const s = new SwitchableAdapter(inner, "switch");
  expect(await s.updatePosition("AAPL", "1", "2")).toBe(true);
  s.mode = "down";
  await expect(s.fetchPosition("AAPL")).rejects.toBeInstanceOf(DataSourceUnavailableError);
  expect((await s.healthCheck()).healthy).toBe(false);
  s.mode = "apply-then-fail";
  await expect(s.updatePosition("AAPL", "3", "2")).rejects.toBeInstanceOf(DataSourceUnavailableError);
  expect((await inner.fetchPosition("AAPL"))?.qty.toString()).toBe("3"); // applied, then "failed"
  const r = new RefusingAdapter(new InMemoryAdapter());
  await expect(r.appendLedger(makeEntry({ orderId: "refuse-me" }))).rejects.toBeInstanceOf(DataSourceError);
  expect(r.refused).toBe(1);
});
