import { ManualClock } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { InMemoryAdapter } from "../src/memory-adapter.js";
import { describeDataSourceConformance } from "../src/testing/index.js";

describeDataSourceConformance("InMemoryAdapter", () => new InMemoryAdapter());

describeDataSourceConformance(
  "InMemoryAdapter (small scale)",
  () => new InMemoryAdapter({ name: "memory-small" }),
  {
    scale: 0.01,
  },
);

describe("InMemoryAdapter specifics", () => {
  it("stamps updatedAt from the injected clock", async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const a = new InMemoryAdapter({ clock });
    await a.updatePosition("AAPL", 1, 2);
    expect((await a.fetchPosition("AAPL"))?.updatedAt?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    clock.advance(60_000);
    await a.updatePosition("AAPL", 3, 2);
    expect((await a.fetchPosition("AAPL"))?.updatedAt?.toISOString()).toBe("2030-01-01T00:01:00.000Z");
  });

  it("reports its name as the health source", async () => {
    const a = new InMemoryAdapter({ name: "mem-x" });
    expect(a.name).toBe("mem-x");
    expect((await a.healthCheck()).source).toBe("mem-x");
    await a.close();
    expect((await a.healthCheck()).healthy).toBe(false);
  });
});
