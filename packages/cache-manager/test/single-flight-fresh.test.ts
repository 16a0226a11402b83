import { expect, it } from "vitest";
import { rig, sleep } from "./support.js";

it("a read asked after a write was acknowledged never joins a store read that started before the commit", async () => {
  const { manager, db, faulty } = rig({ threshold: 1 });
  await db.updatePosition("AAPL", "1", "100");
  faulty.mode = "fail";
  await manager.getPosition("AAPL"); // the cache fails once: the circuit opens, reads go to the store
  expect(manager.isCircuitOpen()).toBe(true);
  db.writeDelay = () => 20; // the store applies the write 20 ms after it is sent
  const write = manager.updatePositionOnFill("AAPL", "2", "100");
  await sleep(5);
  db.fetchDelayMs = 100; // a read that takes its snapshot now (qty 1, the write is not committed) and answers late
  const early = manager.getPosition("AAPL");
  db.fetchDelayMs = 0;
  expect(await write).toBe(true); // acknowledged: the store holds qty 2
  const late = await manager.getPosition("AAPL");
  expect(late?.qty.toString()).toBe("2");
  expect((await early)?.qty.toString()).toBe("1"); // it asked before the acknowledgement
  await manager.close();
});
