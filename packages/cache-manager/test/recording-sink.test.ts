import { InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { EventType } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { expect, it } from "vitest";
import { RecordingEventSink } from "../src/testing/index.js";

it("RecordingEventSink (exported from @qts/cache-manager/testing) records what a manager publishes", async () => {
  const sink = new RecordingEventSink();
  const manager = new CacheManager(new InMemoryCacheClient(), new InMemoryAdapter(), {
    eventSink: sink,
    namespace: "rec:",
  });
  manager.publishMetrics();
  manager.publishMetrics();
  expect(sink.of(EventType.METRIC_RECORD)).toHaveLength(2);
  expect(sink.counts()).toEqual({ [EventType.METRIC_RECORD]: 2 });
  sink.clear();
  expect(sink.events).toHaveLength(0);
  await manager.close();
});
