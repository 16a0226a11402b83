import { DataSourceUnavailableError, type Fill, MAX_LEDGER_LIMIT } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { expectPositionIsFoldOfLedger, randomFills } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { privatePostgresForFile, serverOrWarn } from "./timescale-helpers.js";

// Fault test: always a private PostgreSQL (initdb + pg_ctl on a free port), never the shared one.
const postgres = privatePostgresForFile();

const WRITERS = 8;
const FILLS_PER_WRITER = 60;
const SYMBOLS = ["AAPL", "MSFT", "005930", "BTC-USD"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("applyFill across PostgreSQL crashes (pg_ctl -m immediate)", () => {
  it("8 writers retrying with the same fill: every fill booked exactly once, positions equal their ledger", async () => {
    const pg = serverOrWarn(postgres, "fault test");
    if (pg === null) return;
    // Two adapters, as two engine processes: writers 2k and 2k+1 book the same symbol through different
    // adapters, so the crash also hits writers contending for one position row.
    const [adapter, other] = [0, 1].map(
      () =>
        new TimescaleAdapter({
          dsn: pg.url,
          schema: "qts_fills_fault",
          pool: { minConnections: 2, maxConnections: 6, commandTimeoutMs: 3000 },
          connectTimeoutMs: 1000,
        }),
    ) as [TimescaleAdapter, TimescaleAdapter];
    try {
      await adapter.migrate();
      const plans: Fill[][] = Array.from({ length: WRITERS }, (_, w) =>
        randomFills(SYMBOLS[Math.floor(w / 2)] as string, FILLS_PER_WRITER, 1000 + w, `w${w}`),
      );
      const stats = { booked: 0, duplicates: 0, retries: 0, crashes: 0 };
      const writer = async (fills: Fill[], w: number) => {
        const db = w % 2 === 0 ? adapter : other;
        for (const f of fills) {
          for (;;) {
            try {
              const r = await db.applyFill(f); // the same fill on every retry
              if (r.duplicate) stats.duplicates++;
              stats.booked++;
              break;
            } catch (error) {
              if (!(error instanceof DataSourceUnavailableError)) throw error;
              stats.retries++;
              await sleep(25);
            }
          }
        }
      };
      const chaos = async () => {
        const total = WRITERS * FILLS_PER_WRITER;
        for (const threshold of [total * 0.25, total * 0.6]) {
          while (stats.booked < threshold) await sleep(5);
          await pg.stop("immediate");
          stats.crashes++;
          await sleep(300);
          await pg.start();
        }
      };
      await Promise.all([...plans.map((fills, w) => writer(fills, w)), chaos()]);
      console.log(`fills fault test: ${JSON.stringify(stats)}`);
      expect(stats.crashes).toBe(2);
      expect(stats.retries).toBeGreaterThan(0);

      const ledger = await adapter.fetchLedger({ limit: MAX_LEDGER_LIMIT });
      const issued = plans.flat().map((f) => f.fillId);
      expect(ledger).toHaveLength(issued.length);
      const counts = new Map<string, number>();
      for (const e of ledger) counts.set(e.fillId ?? "", (counts.get(e.fillId ?? "") ?? 0) + 1);
      for (const id of issued) expect(counts.get(id), `fill ${id}`).toBe(1);
      for (const symbol of SYMBOLS) {
        const p = await expectPositionIsFoldOfLedger(adapter, symbol);
        expect(p.version).toBe(2 * FILLS_PER_WRITER);
      }
    } finally {
      await Promise.all([adapter.close(), other.close()]);
    }
  }, 180_000);
});
