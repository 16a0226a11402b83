import { DataSourceUnavailableError } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { at, makeEntry, makeTicks, T0 } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { privatePostgresForFile, serverOrWarn } from "./timescale-helpers.js";

// Fault test: always a private PostgreSQL (initdb + pg_ctl on a free port), never the shared one.
const postgres = privatePostgresForFile();

async function rejectsUnavailable(p: Promise<unknown>): Promise<number> {
  const started = Date.now();
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataSourceUnavailableError);
  return Date.now() - started;
}

/** Polls `healthCheck` every 100 ms, 50 times at most: whether the adapter became healthy. */
async function healthyWithin5s(adapter: TimescaleAdapter): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if ((await adapter.healthCheck()).healthy) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("TimescaleAdapter survives a PostgreSQL restart", () => {
  it("rejects as unavailable while the server is down and recovers by itself when it returns", async () => {
    const server = serverOrWarn(postgres, "restart test");
    if (server === null) return;
    const adapter = new TimescaleAdapter({
      dsn: server.url,
      schema: "qts_restart",
      pool: { minConnections: 2, maxConnections: 5, commandTimeoutMs: 2000 },
      connectTimeoutMs: 1000,
    });
    try {
      await adapter.migrate();
      const acknowledged: string[] = [];
      for (let i = 0; i < 10; i++) {
        await adapter.appendLedger(makeEntry({ timestamp: T0 + i, orderId: `before-${i}` }));
        acknowledged.push(`before-${i}`);
      }
      await adapter.updatePosition("AAPL", 10, 100);
      await adapter.appendTicks(makeTicks("AAPL", T0, 50, 50_000));

      await server.stop();
      const waits = [
        await rejectsUnavailable(adapter.fetchPositions()),
        await rejectsUnavailable(adapter.appendLedger(makeEntry({ orderId: "during" }))),
        await rejectsUnavailable(adapter.updatePosition("AAPL", 11, 100)),
        await rejectsUnavailable(adapter.appendTicks(makeTicks("AAPL", T0, 5, 5_000))),
      ];
      expect(Math.max(...waits)).toBeLessThan(5_000);
      const down = await adapter.healthCheck();
      expect(down.healthy).toBe(false);
      expect(down.error).toMatch(/unavailable|refused|terminat|connect/i);

      await server.start();
      // the same adapter, no reconnect call: the pool opens fresh connections
      expect(await healthyWithin5s(adapter)).toBe(true);
      for (let i = 0; i < 5; i++) {
        await adapter.appendLedger(makeEntry({ timestamp: T0 + 100 + i, orderId: `after-${i}` }));
        acknowledged.push(`after-${i}`);
      }
      const ledger = await adapter.fetchLedger({ limit: 10_000 });
      // every acknowledged write is there; the rejected one is not
      expect(ledger.map((e) => e.orderId).sort()).toEqual([...acknowledged].sort());
      expect((await adapter.fetchPosition("AAPL"))!.qty.toFixed()).toBe("10");
      expect(await adapter.fetchTickData("AAPL", at(T0), at(T0 + 3_600_000))).toHaveLength(50);

      // a crash (SIGKILL of the postmaster and backends) is survived the same way
      await server.kill();
      await rejectsUnavailable(adapter.fetchLedger());
      await server.start();
      expect(await healthyWithin5s(adapter)).toBe(true);
      expect(await adapter.fetchLedger({ limit: 10_000 })).toHaveLength(acknowledged.length);
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
