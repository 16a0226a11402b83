import { DataSourceUnavailableError, ledgerEntry } from "@qts/contracts";
import { createDataSource, migrateDataSource } from "@qts/db-adapters";
import { startPrivatePostgres } from "@qts/testkit";
import { describe, expect, it } from "vitest";
import { service, waitFor } from "./helpers/services.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PostgreSQL stopped and restarted during writes (private PostgreSQL)", () => {
  it("every acknowledged write is present, every failed one was DataSourceUnavailableError, the pool recovers", async () => {
    const pg = await service(() => startPrivatePostgres());
    if (pg === null) return;
    const db = createDataSource({
      mode: "DB_ONLY",
      dbDsn: pg.url,
      pool: { minConnections: 1, maxConnections: 4 },
    });
    try {
      await migrateDataSource(db);
      const acked = new Set<string>();
      const lastQty = new Map<string, number>();
      const failures: unknown[] = [];
      let phase: "before" | "down" | "after" = "before";
      let ackedAfter = 0;
      let running = true;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        const symbol = `W${w}`;
        for (let i = 1; running; i++) {
          const orderId = `w${w}-${i}`;
          try {
            await db.appendLedger(
              ledgerEntry({
                timestamp: new Date(Date.UTC(2024, 0, 2, 15) + i),
                symbol,
                side: "BUY",
                qty: "1",
                price: "2",
                amount: "2",
                orderId,
              }),
            );
            acked.add(orderId);
            await db.updatePosition(symbol, String(i), "2");
            lastQty.set(symbol, i);
            if (phase === "after") ackedAfter++;
          } catch (err) {
            failures.push(err);
            await sleep(20);
          }
        }
      });
      await sleep(400);
      phase = "down";
      await pg.stop();
      await sleep(1000);
      await pg.start();
      phase = "after";
      const recovered = await waitFor(() => ackedAfter >= 40, 20_000);
      running = false;
      await Promise.all(writers);

      if (process.env.QTS_TEST_VERBOSE) {
        console.info(
          `pg fault: ${acked.size} ledger appends acknowledged, ${failures.length} rejected while down`,
        );
      }
      expect(recovered).toBe(true);
      expect(failures.length).toBeGreaterThan(0);
      const wrong = failures.filter((e) => !(e instanceof DataSourceUnavailableError));
      expect(wrong.map((e) => String(e))).toEqual([]);
      const stored = new Set<string>();
      for (let w = 0; w < 4; w++) {
        for (const e of await db.fetchLedger({ symbol: `W${w}`, limit: 10_000 })) stored.add(e.orderId);
      }
      const missing = [...acked].filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      for (const [symbol, qty] of lastQty) {
        // The last acknowledged position write is what the store holds (no later write was acknowledged).
        expect((await db.fetchPosition(symbol))?.qty.toNumber()).toBeGreaterThanOrEqual(qty);
      }
      expect((await db.healthCheck()).healthy).toBe(true);
    } finally {
      await db.close().catch(() => undefined);
      await pg.destroy();
    }
  }, 90_000);
});
