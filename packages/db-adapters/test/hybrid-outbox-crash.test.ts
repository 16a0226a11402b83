import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { sheetsAdapter } from "./sheets-helpers.js";
import { timescaleAndSheetsForFile } from "./timescale-sheets-helpers.js";

// Hybrid(TimescaleAdapter, Sheets) whose writer process is killed (SIGKILL) while the spreadsheet is down:
// the pending secondary writes are outbox rows committed with the primary writes, and a new process delivers
// them all, once each.
const CHILD = fileURLToPath(new URL("./fixtures/outbox-child.mjs", import.meta.url));
const stores = await timescaleAndSheetsForFile();
const { url, skipReason } = stores;

interface Child {
  line: Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
  kill(): void;
}

/** Runs the fixture in a real child process; resolves its first JSON line. */
function child(mode: "write" | "relay", cfg: Record<string, string>): Child {
  const p = spawn(process.execPath, [CHILD, mode], {
    env: { ...process.env, QTS_OUTBOX_CHILD: JSON.stringify(cfg) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  p.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const exit = new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));
  const line = new Promise<Record<string, unknown>>((resolve, reject) => {
    p.stdout.on("data", (d) => {
      stdout += String(d);
      const first = stdout.split("\n").find((l) => l.startsWith("{") && l.endsWith("}"));
      if (first) resolve(JSON.parse(first) as Record<string, unknown>);
    });
    p.on("exit", (code) => reject(new Error(`child ${mode} exited (${code}) before reporting: ${stderr}`)));
  });
  return { line, exit, kill: () => p.kill("SIGKILL") };
}

describe("Hybrid outbox survives a crash of the writer", () => {
  it("200 writes with Sheets down, SIGKILL, new process: all 200 delivered once, consistent", async (ctx) => {
    if (skipReason || !url) ctx.skip(skipReason);
    const s = await stores.schema("outbox_crash");
    const db = new TimescaleAdapter({ dsn: url as string, schema: s.schema, pool: { minConnections: 0 } });
    try {
      await db.migrate();
      const sheets = sheetsAdapter(stores.emu);
      await sheets.fetchPositions(); // the tabs exist
      await sheets.close();
      const cfg = {
        url: url as string,
        schema: s.schema,
        rootUrl: stores.emu.rootUrl,
        spreadsheetId: sheets.spreadsheetId,
      };

      stores.emu.injectFailures({ status: 503, count: Number.POSITIVE_INFINITY });
      const writer = child("write", cfg);
      const written = await writer.line;
      expect(written.written).toBe(200);
      writer.kill();
      expect(await writer.exit).toBeNull(); // killed by the signal, no chance to drain
      // Every write is an outbox row, committed with its primary write (nothing reached the spreadsheet).
      expect((await db.outboxStats()).depth).toBe(200);
      expect(stores.emu.getSheetValues(sheets.spreadsheetId, sheets.tabs.ledger).length).toBeLessThanOrEqual(
        1,
      );

      stores.emu.clearFailures();
      const relay = child("relay", cfg);
      const result = await relay.line;
      expect(await relay.exit).toBe(0);
      expect(result).toMatchObject({ consistent: true, backlog: 0, outboxDepth: 0 });
      expect((await db.outboxStats()).depth).toBe(0);

      // No duplicate row in the sheet: 67 plain entries + 66 fills, each fill once.
      const ledgerRows = stores.emu.getSheetValues(sheets.spreadsheetId, sheets.tabs.ledger).slice(1);
      expect(ledgerRows).toHaveLength(133);
      const primaryLedger = await db.fetchLedger({ limit: 1000 });
      expect(primaryLedger).toHaveLength(133);
      const fillIds = primaryLedger.map((e) => e.fillId).filter((f) => f !== null);
      expect(new Set(fillIds).size).toBe(66);
    } finally {
      await db.close();
    }
  }, 180_000);
});
