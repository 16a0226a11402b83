import { ohlcv, tick } from "@qts/contracts";
import { createDataSource, migrateDataSource } from "@qts/db-adapters";
import { createTestSchema, startSheetsEmulator } from "@qts/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runQts } from "./helpers/cli.js";
import { emulatedSheets, pgUrl } from "./helpers/services.js";

beforeAll(() => ensureBuilt(), 120_000);

const T = Date.UTC(2024, 0, 2, 9, 30);
const SYMBOLS = ["S1", "S2", "S3", "S4", "S5"];

interface SyncJson {
  ok: boolean;
  symbols: string[];
  bars: { copied: number; alreadyPresent: number };
  ticks: { copied: number; alreadyPresent: number };
  ledger: { copied: number };
  verification: { consistent: boolean } | null;
}

describe.skipIf(pgUrl === null)("qts sync (subprocess, Sheets emulator → PostgreSQL)", () => {
  it("copies bars and ticks of 5 symbols with no position, verifies by default, reruns idempotently", async () => {
    const emu = await startSheetsEmulator();
    const schema = await createTestSchema(pgUrl!, "syncverb");
    const { id, sheets } = emulatedSheets(emu);
    const db = createDataSource({ mode: "DB_ONLY", dbDsn: pgUrl! }, { timescale: { schema: schema.schema } });
    try {
      await migrateDataSource(sheets);
      for (const symbol of SYMBOLS) {
        await sheets.appendOhlcv(
          Array.from({ length: 10 }, (_, i) =>
            ohlcv({ time: T + i * 60_000, symbol, open: 2, high: 3, low: 1, close: 2, volume: i }),
          ),
          "1m",
        );
        await sheets.appendTicks(
          Array.from({ length: 6 }, (_, i) => tick({ time: T + (i % 3), symbol, price: "1.5", volume: 1 })),
        );
      }
      const args = [
        "sync",
        "--from",
        "sheets",
        "--to",
        "db",
        "--sheets-id",
        id,
        "--sheets-root-url",
        emu.rootUrl,
        "--sheets-token",
        "t",
        "--db",
        pgUrl!,
        "--schema",
        schema.schema,
      ];
      const first = await runQts(args, {}, 120_000);
      expect(first.stderr).not.toMatch(/error/i);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/bars\s+50 copied, \d+ already present \(5 symbols\)/);
      expect(first.stdout).toMatch(/ticks\s+30 copied, 0 already present \(5 symbols\)/);
      expect(first.stdout).toContain("verify     OK");
      for (const symbol of SYMBOLS) {
        expect(await db.fetchOhlcv(symbol, new Date(T), new Date(T + 3_600_000), "1m")).toHaveLength(10);
        expect(await db.fetchTickData(symbol, new Date(T), new Date(T + 10))).toHaveLength(6);
      }

      const again = await runQts([...args, "--json"], {}, 120_000);
      expect(again.code).toBe(0);
      const rep = JSON.parse(again.stdout) as SyncJson;
      expect(rep.ok).toBe(true);
      expect(rep.symbols).toEqual(SYMBOLS);
      expect(rep.verification?.consistent).toBe(true);
      expect([rep.bars.copied, rep.ticks.copied, rep.ticks.alreadyPresent, rep.ledger.copied]).toEqual([
        0, 0, 30, 0,
      ]);
      for (const symbol of SYMBOLS)
        expect(await db.fetchTickData(symbol, new Date(T), new Date(T + 10))).toHaveLength(6);

      const skipped = await runQts([...args, "--no-verify"], {}, 120_000);
      expect(skipped.code).toBe(0);
      expect(skipped.stdout).toContain("verify     skipped (--no-verify)");
      const both = await runQts([...args, "--verify", "--no-verify"], {}, 60_000);
      expect(both.code).toBe(2);
    } finally {
      await Promise.allSettled([db.close(), sheets.close()]);
      await schema.drop();
      await emu.close();
    }
  }, 240_000);
});
