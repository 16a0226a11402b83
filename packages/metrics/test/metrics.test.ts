import { spawnSync } from "node:child_process";
import { InMemoryCacheClient } from "@qts/cache";
import { CacheManager } from "@qts/cache-manager";
import { CacheType, ManualClock, SafetyState } from "@qts/contracts";
import { InMemoryAdapter } from "@qts/db-adapters";
import { QtsMetrics, serveMetrics } from "@qts/metrics";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";

/** The value of one sample line `name{labels} value`, or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

function setup() {
  const clock = new ManualClock(Date.UTC(2024, 0, 2));
  const metrics = new QtsMetrics();
  const db = metrics.instrumentDataSource(new InMemoryAdapter());
  const client = metrics.instrumentCacheClient(new InMemoryCacheClient({ clock }));
  const manager = new CacheManager(client, db, { clock, namespace: "m1:" });
  metrics.observeCacheManager(manager, "m1").observeDataSource(db);
  return { metrics, db, manager, clock };
}

describe("QtsMetrics", () => {
  it("exports per-type hits, misses and errors as counters read at scrape time", async () => {
    const { metrics, db, manager } = setup();
    await db.updatePosition("AAPL", "10", "100");
    expect(await manager.getPosition("AAPL")).not.toBeNull(); // miss, filled from the store
    expect(await manager.getPosition("AAPL")).not.toBeNull(); // hit
    await manager.getPrice("MSFT"); // price miss
    const text = await metrics.metrics();
    expect(sample(text, "qts_cache_hits_total", 'manager="m1",type="position"')).toBe(1);
    expect(sample(text, "qts_cache_misses_total", 'manager="m1",type="position"')).toBe(1);
    expect(sample(text, "qts_cache_misses_total", 'manager="m1",type="price"')).toBe(1);
    expect(sample(text, "qts_cache_errors_total", 'manager="m1",type="position"')).toBe(0);
    await manager.close();
  });

  it("counters stay monotonic across resetStats()", async () => {
    const { metrics, db, manager } = setup();
    await db.updatePosition("AAPL", "10", "100");
    await manager.getPosition("AAPL");
    await manager.getPosition("AAPL");
    await metrics.metrics();
    manager.resetStats();
    await manager.getPosition("AAPL");
    await manager.getPosition("AAPL");
    const text = await metrics.metrics();
    expect(sample(text, "qts_cache_hits_total", 'manager="m1",type="position"')).toBe(3);
    await manager.close();
  });

  it("exports circuit, safety and operating state as state sets (exactly one 1 each)", async () => {
    const { metrics, manager } = setup();
    await manager.setSafetyState(SafetyState.FAIL);
    const text = await metrics.metrics();
    expect(sample(text, "qts_safety_state", 'manager="m1",state="FAIL"')).toBe(1);
    expect(sample(text, "qts_safety_state", 'manager="m1",state="NORMAL"')).toBe(0);
    expect(sample(text, "qts_circuit_state", 'manager="m1",state="CLOSED"')).toBe(1);
    expect(sample(text, "qts_circuit_state", 'manager="m1",state="OPEN"')).toBe(0);
    expect(sample(text, "qts_operating_state", 'manager="m1",state="BALANCED"')).toBe(1);
    await manager.close();
  });

  it("times store and cache calls by operation and outcome; the wrapped objects behave the same", async () => {
    const { metrics, db, manager } = setup();
    await db.updatePosition("AAPL", "10", "100");
    await expect(db.updatePosition("", "1", "1")).rejects.toThrow(); // a ValidationError, counted as error
    await manager.getPosition("AAPL");
    expect(db.name).toBe("memory");
    const text = await metrics.metrics();
    expect(
      sample(
        text,
        "qts_store_operation_duration_seconds_count",
        'store="memory",operation="updatePosition",outcome="ok"',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        "qts_store_operation_duration_seconds_count",
        'store="memory",operation="updatePosition",outcome="error"',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        "qts_cache_operation_duration_seconds_count",
        'client="cache",operation="get",outcome="ok"',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        "qts_cache_operation_duration_seconds_count",
        'client="cache",operation="setIfNewer",outcome="ok"',
      ),
    ).toBe(1);
    await manager.close();
  });

  it("exports a Hybrid store's backlog", async () => {
    const { HybridAdapter } = await import("@qts/db-adapters");
    const metrics = new QtsMetrics({ registry: new Registry() });
    const hybrid = new HybridAdapter(new InMemoryAdapter(), new InMemoryAdapter());
    metrics.observeDataSource(hybrid);
    const text = await metrics.metrics();
    expect(sample(text, "qts_hybrid_backlog_writes", `store="${hybrid.name}"`)).toBe(0);
    await hybrid.close();
  });

  it("serves /metrics over HTTP and the output passes promtool check metrics", async () => {
    const { metrics, db, manager } = setup();
    await db.updatePosition("AAPL", "10", "100");
    await manager.getPosition("AAPL");
    await manager.setCached(CacheType.RISK, "book-1", { var: "1.5" });
    const server = await serveMetrics(metrics.registry, 0);
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const body = await res.text();
      expect(body).toContain("qts_cache_hits_total");
      expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
      const check = spawnSync("promtool", ["check", "metrics"], { input: body, encoding: "utf8" });
      if (check.error) {
        throw new Error(`promtool is required (apt-get install -y prometheus): ${check.error.message}`);
      }
      expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
      expect(check.status).toBe(0);
    } finally {
      await server.close();
      await manager.close();
    }
  });
});

describe("callbacks that threw", () => {
  it("an event sink and a breaker listener that throw are counted on the manager and in metrics", async () => {
    const { CircuitBreaker } = await import("@qts/cache");
    const clock = new ManualClock(Date.UTC(2024, 0, 2));
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    breaker.onStateChange(() => {
      throw new Error("listener bug");
    });
    const metrics = new QtsMetrics();
    const manager = new CacheManager(new InMemoryCacheClient({ clock }), new InMemoryAdapter(), {
      clock,
      breaker,
      namespace: "cb:",
      eventSink: {
        publish() {
          throw new Error("sink bug");
        },
      },
    });
    metrics.observeCacheManager(manager, "cb");
    manager.publishMetrics();
    breaker.recordFailure(); // CLOSED -> OPEN: the listener throws (and the manager's own listener publishes)
    expect(manager.eventSinkErrors).toBeGreaterThanOrEqual(2);
    expect(breaker.listenerErrors).toBe(1);
    const text = await metrics.metrics();
    expect(sample(text, "qts_callback_errors_total", 'manager="cb",callback="breaker_listener"')).toBe(1);
    expect(sample(text, "qts_callback_errors_total", 'manager="cb",callback="event_sink"')).toBe(
      manager.eventSinkErrors,
    );
    await manager.close();
  });
});
