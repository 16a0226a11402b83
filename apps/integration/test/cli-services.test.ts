import { RedisCacheClient } from "@qts/cache";
import { ledgerEntry } from "@qts/contracts";
import { createDataSource, migrateDataSource } from "@qts/db-adapters";
import { createTestSchema, startSheetsEmulator, uniqueNamespace } from "@qts/testkit";
import { Client } from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReplaySummary } from "../src/replay/summary.js";
import { ensureBuilt, runQts } from "./helpers/cli.js";
import { emulatedSheets, keysUnder, pgUrl, rawRedis, redisUrl } from "./helpers/services.js";

beforeAll(() => ensureBuilt(), 120_000);

describe.skipIf(pgUrl === null || redisUrl === null)(
  "qts against real PostgreSQL and Redis (subprocess)",
  () => {
    it("replay --db --redis: data lands in the run's schema and namespace, no fill lost", async () => {
      const schema = await createTestSchema(pgUrl!, "cli");
      const ns = uniqueNamespace("qtscli");
      const db = createDataSource(
        { mode: "DB_ONLY", dbDsn: pgUrl! },
        { timescale: { schema: schema.schema } },
      );
      const raw = rawRedis(redisUrl!);
      try {
        const r = await runQts(
          [
            "replay",
            "--json",
            "--quiet",
            "--minutes",
            "5",
            "--symbols",
            "4",
            "--db",
            pgUrl!,
            "--schema",
            schema.schema,
            "--redis",
            redisUrl!,
            "--namespace",
            ns,
          ],
          // Tests share 2 cores with the rest of the suite: a 100 ms cache deadline would open the circuit
          // under load and turn every read into a miss; the variable now takes effect in the CLI.
          { QTS_REDIS_SOCKET_TIMEOUT_MS: "2000" },
          120_000,
        );
        expect(r.stderr.replace(/\(node:\d+\) DeprecationWarning.*\n.*trace-deprecation.*\n/g, "")).toBe("");
        expect(r.code).toBe(0);
        const s = JSON.parse(r.stdout) as ReplaySummary;
        expect(s.ok).toBe(true);
        expect(s.stores.schema).toBe(schema.schema);
        expect(s.stores.data).toContain(`schema ${schema.schema}`);
        expect(s.stores.cache).toMatch(/^redis /);
        expect(s.ingest.ticks).toBe(4 * 5 * 120);
        expect(s.check.noFillLost).toBe(true);
        expect(s.check.ledgerEntries).toBe(s.fills.applied);
        expect(s.reads.getPosition.failed).toBe(0);
        expect(s.cache.position!.hitCount).toBeGreaterThan(0);
        // Independently of the CLI: the store holds the ticks and the positions it reported.
        const ticks = await db.fetchTickData(
          "AAPL",
          new Date("2024-01-02T14:30:00Z"),
          new Date("2024-01-02T14:35:00Z"),
        );
        expect(ticks).toHaveLength(5 * 120);
        for (const p of s.positions)
          expect((await db.fetchPosition(p.symbol))?.qty.toFixed() ?? "0").toBe(p.qty);
        const keys = await keysUnder(raw, ns);
        expect(keys.some((k) => k.startsWith(`${ns}pos:`))).toBe(true);
      } finally {
        await db.close();
        await schema.drop();
        const c = new RedisCacheClient({ url: redisUrl!, namespace: ns });
        await c.flushNamespace();
        await c.close();
        raw.disconnect();
      }
    }, 150_000);

    it("replay --cleanup without --schema: a fresh per-run schema and namespace, both removed afterwards", async () => {
      const r = await runQts([
        "replay",
        "--json",
        "--quiet",
        "--cleanup",
        "--minutes",
        "2",
        "--symbols",
        "2",
        "--db",
        pgUrl!,
        "--redis",
        redisUrl!,
      ]);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as ReplaySummary;
      expect(s.stores.schema).toBe(`qts_replay_${s.runId}`);
      expect(s.stores.namespace).toBe(`qts:replay:${s.runId}:`);
      const c = new Client({ connectionString: pgUrl! });
      await c.connect();
      try {
        const res = await c.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [s.stores.schema]);
        expect(res.rowCount).toBe(0);
      } finally {
        await c.end();
      }
      const raw = rawRedis(redisUrl!);
      expect(await keysUnder(raw, s.stores.namespace)).toEqual([]);
      raw.disconnect();
    }, 120_000);

    it("replay --chaos redis: breaker opens and closes again, zero failed position reads", async () => {
      const r = await runQts(
        ["replay", "--json", "--quiet", "--chaos", "redis", "--minutes", "10", "--symbols", "4"],
        {},
        120_000,
      );
      if (r.code !== 0 && /redis-server/.test(r.stderr) && !process.env.CI) return; // no redis-server binary here
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as ReplaySummary;
      expect(s.chaos?.timeline.map((t) => t.action)).toEqual([
        "redis SIGSTOP (hung)",
        "redis SIGKILL (crashed)",
        "redis restarted (empty)",
      ]);
      expect(s.circuit.transitions.some((t) => t.to === "OPEN")).toBe(true);
      expect(s.circuit.transitions.at(-1)?.to).toBe("CLOSED");
      expect(s.circuit.state).toBe("CLOSED");
      expect(s.events.counts.BROKER_DISCONNECT).toBeGreaterThanOrEqual(1);
      expect(s.events.counts.BROKER_RECONNECT).toBeGreaterThanOrEqual(1);
      expect(s.reads.getPosition.failed).toBe(0);
      expect(s.check.noFillLost).toBe(true);
    }, 150_000);

    it("replay --mode HYBRID (PostgreSQL primary, Sheets emulator secondary)", async () => {
      const emu = await startSheetsEmulator();
      const schema = await createTestSchema(pgUrl!, "hyb");
      const { id, sheets } = emulatedSheets(emu);
      try {
        const r = await runQts(
          [
            "replay",
            "--json",
            "--quiet",
            "--mode",
            "hybrid",
            "--minutes",
            "2",
            "--symbols",
            "2",
            "--ticks-per-minute",
            "30",
            "--fill-rate",
            "0.2",
            "--db",
            pgUrl!,
            "--schema",
            schema.schema,
            "--sheets-id",
            id,
            "--sheets-root-url",
            emu.rootUrl,
            "--sheets-token",
            "t",
          ],
          // The emulator has no quota: pacing to Google's 60/min has its own tests (sheets-pacing.test.ts).
          { QTS_SHEETS_WRITES_PER_MINUTE: "6000" },
          120_000,
        );
        expect(r.code).toBe(0);
        const s = JSON.parse(r.stdout) as ReplaySummary;
        expect(s.stores.data).toMatch(/^hybrid: primary postgresql .* secondary sheets /);
        expect(s.check.noFillLost).toBe(true);
        expect(s.check.secondary).toEqual({ consistent: true, backlog: 0 });
        // The ledger was dual-written: the spreadsheet holds every fill too.
        const inSheets = (await sheets.fetchLedger({ limit: 10_000 })).length;
        expect(inSheets).toBe(s.fills.applied);
      } finally {
        await sheets.close();
        await schema.drop();
        await emu.close();
      }
    }, 150_000);

    it("health: exit 0 with both up, exit 1 naming the dead Redis (password redacted)", async () => {
      const ok = await runQts(["health", "--json", "--db", pgUrl!, "--redis", redisUrl!]);
      expect(ok.code).toBe(0);
      expect((JSON.parse(ok.stdout) as { ok: boolean }).ok).toBe(true);
      const down = await runQts(["health", "--db", pgUrl!, "--redis", "redis://:pw@127.0.0.1:1/0"]);
      expect(down.code).toBe(1);
      expect(down.stdout).toMatch(/cache\s+DOWN\s+redis redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0/);
      expect(down.stdout).not.toContain(":pw@");
    }, 60_000);

    it("migrate twice on a fresh schema: both succeed", async () => {
      const schema = await createTestSchema(pgUrl!, "mig");
      try {
        for (let i = 0; i < 2; i++) {
          const r = await runQts(["migrate", "--db", pgUrl!, "--schema", schema.schema]);
          expect(r.code).toBe(0);
          expect(r.stdout).toContain(`schema ${schema.schema}`);
        }
      } finally {
        await schema.drop();
      }
    }, 60_000);

    it("sync --from sheets --to db --verify copies the spreadsheet and verifies it", async () => {
      const emu = await startSheetsEmulator();
      const schema = await createTestSchema(pgUrl!, "sync");
      const { id, sheets } = emulatedSheets(emu);
      const db = createDataSource(
        { mode: "DB_ONLY", dbDsn: pgUrl! },
        { timescale: { schema: schema.schema } },
      );
      try {
        await migrateDataSource(sheets);
        await sheets.updatePosition("AAPL", "0.000000000001", "187.5");
        await sheets.updatePosition("MSFT", "-3", "410");
        for (let i = 0; i < 5; i++) {
          await sheets.appendLedger(
            ledgerEntry({
              timestamp: new Date(Date.UTC(2024, 0, 2, 15, i)),
              symbol: "AAPL",
              side: "BUY",
              qty: "1",
              price: "187.5",
              amount: "187.5",
              orderId: `=o${i}`,
            }),
          );
        }
        const args = [
          "sync",
          "--from",
          "sheets",
          "--to",
          "db",
          "--verify",
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
        const r = await runQts(args, {}, 120_000);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("verify     OK");
        expect(r.stdout).toMatch(/positions\s+2 copied/);
        expect(r.stdout).toMatch(/ledger\s+5 copied/);
        expect((await db.fetchPosition("AAPL"))?.qty.toFixed()).toBe("0.000000000001");
        expect((await db.fetchLedger({ symbol: "AAPL" })).map((e) => e.orderId).sort()).toEqual([
          "=o0",
          "=o1",
          "=o2",
          "=o3",
          "=o4",
        ]);
        // Idempotent: a second run copies nothing and still verifies.
        const again = await runQts([...args, "--json"], {}, 120_000);
        expect(again.code).toBe(0);
        const rep = JSON.parse(again.stdout) as {
          ok: boolean;
          ledger: { copied: number };
          positions: { copied: number };
        };
        expect(rep.ok).toBe(true);
        expect(rep.ledger.copied).toBe(0);
        expect(rep.positions.copied).toBe(0);
      } finally {
        await db.close();
        await sheets.close();
        await schema.drop();
        await emu.close();
      }
    }, 150_000);
  },
);
