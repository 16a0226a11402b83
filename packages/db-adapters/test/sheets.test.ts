import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  DataSourceError,
  DataSourceUnavailableError,
  Decimal,
  ledgerEntry,
  position,
  tick,
  ValidationError,
} from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { GoogleAuth, JWT } from "google-auth-library";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GoogleSheetsAdapter, type SheetsRowWarning } from "../src/index.js";
import { makeAuth, SHEETS_SCOPE } from "../src/sheets/client.js";
import { fixedTokenAuth, sheetsAdapter, startEmulator } from "./sheets-helpers.js";

let emu: SheetsEmulator;
/** Answers 404 for unknown spreadsheet ids, as Google does (the default emulator creates them). */
let strict: SheetsEmulator;
const open: GoogleSheetsAdapter[] = [];
beforeAll(async () => {
  emu = await startEmulator();
  strict = await startEmulator({ autoCreate: false });
});
afterEach(async () => {
  emu.clearFailures();
  emu.setLatency(0);
  await Promise.all(open.splice(0).map((a) => a.close()));
});
afterAll(async () => {
  await emu?.close();
  await strict?.close();
});

/** Snapshots are not reused here: these tests edit the sheet "by hand" between calls. */
function adapter(opts: Parameters<typeof sheetsAdapter>[1] = {}): GoogleSheetsAdapter {
  const a = sheetsAdapter(emu, { snapshotMaxAgeMs: 0, ...opts });
  open.push(a);
  return a;
}

const T = Date.UTC(2024, 0, 2, 9, 30);
const entry = (i: number, extra: Partial<Parameters<typeof ledgerEntry>[0]> = {}) =>
  ledgerEntry({
    timestamp: T + i * 1000,
    symbol: "AAPL",
    side: i % 2 === 0 ? "BUY" : "SELL",
    qty: "1.5",
    price: "187.25",
    amount: "280.875",
    orderId: `ord-${i}`,
    ...extra,
  });

describe("GoogleSheetsAdapter layout", () => {
  it("creates the four tabs with header rows on first use", async () => {
    const id = emu.createSpreadsheet({ tabs: ["Sheet1"] });
    const a = adapter({ spreadsheetId: id, tabs: { ledger: "my ledger" } });
    expect(await a.fetchPositions()).toEqual([]);
    expect(emu.tabs(id)).toEqual(["Sheet1", "positions", "my ledger", "ohlcv", "ticks"]);
    expect(emu.getSheetValues(id, "my ledger")[0]).toEqual([
      "id",
      "timestamp",
      "symbol",
      "side",
      "qty",
      "price",
      "amount",
      "fee",
      "strategyTag",
      "orderId",
      "broker",
      "fillId",
    ]);
    expect(emu.getSheetValues(id, "ohlcv")[0]).toEqual([
      "time",
      "symbol",
      "open",
      "high",
      "low",
      "close",
      "volume",
      "interval",
    ]);
    expect(await a.appendLedger(entry(1))).toBe(true);
    expect(emu.getSheetValues(id, "my ledger")[1]?.[0]).toBe("1");
  });

  it("extends a header made before realizedPnl/version/fillId existed, keeping every row", async () => {
    const id = emu.createSpreadsheet({ tabs: ["positions", "ledger"] });
    const oldPositions = ["symbol", "qty", "avgPrice", "market", "exposureValue", "exposurePct"];
    emu.setValues(id, "positions!A1:H2", [
      [...oldPositions, "unrealizedPnl", "updatedAt"],
      ["AAPL", "10", "150.25", "NASDAQ", "0", "0", "0", "2024-01-02T00:00:00.000Z"],
    ]);
    const oldLedger = ["id", "timestamp", "symbol", "side", "qty", "price", "amount", "fee", "strategyTag"];
    emu.setValues(id, "ledger!A1:K2", [
      [...oldLedger, "orderId", "broker"],
      ["1", "2024-01-02T00:00:00.000Z", "AAPL", "BUY", "10", "150.25", "1502.5", "0", "", "", ""],
    ]);
    const a = adapter({ spreadsheetId: id });
    const p = (await a.fetchPosition("AAPL"))!;
    expect(p.qty.toFixed()).toBe("10");
    expect(p.version).toBe(0);
    expect(p.realizedPnl.toFixed()).toBe("0");
    expect(emu.getSheetValues(id, "positions")[0]?.slice(-2)).toEqual(["realizedPnl", "version"]);
    expect(emu.getSheetValues(id, "ledger")[0]?.at(-1)).toBe("fillId");
    expect((await a.fetchLedger())[0]?.fillId).toBeNull();
    await a.updatePosition("AAPL", 12, "151");
    const after = (await a.fetchPosition("AAPL"))!;
    expect(after.version).toBe(1);
    expect(after.market).toBe("NASDAQ");
  });

  it("refuses a tab whose header row is not the expected one", async () => {
    const id = emu.createSpreadsheet({ tabs: ["positions"] });
    emu.setValues(id, "positions!A1:B1", [["ticker", "shares"]]);
    const a = adapter({ spreadsheetId: id });
    await expect(a.fetchPositions()).rejects.toThrow(/positions.*header/);
    await expect(a.fetchPositions()).rejects.toBeInstanceOf(DataSourceError);
  });

  it("writes every value RAW: formula-like strings stay text, decimals stay plain", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id });
    const nasty = ['=IMPORTRANGE("x","A1")', "+1+1", "-2", "@SUM(A1)", "'; DROP TABLE positions; --"];
    for (const [i, tag] of nasty.entries())
      await a.appendLedger(entry(i, { strategyTag: tag, fee: "1e-12" }));
    await a.updatePosition('=HYPERLINK("x")', "-0.000001", "12345678901234567890.123456789");
    const cells = emu.getCells(id, "ledger").slice(1);
    expect(cells.map((r) => r[8])).toEqual(nasty);
    for (const row of cells)
      for (const cell of row) expect(typeof cell === "string" || cell === undefined).toBe(true);
    expect(cells[0]?.[7]).toBe("0.000000000001");
    const pos = emu.getCells(id, "positions")[1];
    expect(pos?.slice(0, 3)).toEqual(['=HYPERLINK("x")', "-0.000001", "12345678901234567890.123456789"]);
    const writes = emu.requestLog.filter((e) => e.valueInputOption !== undefined);
    expect(writes.length).toBeGreaterThan(5);
    expect(new Set(writes.map((e) => e.valueInputOption))).toEqual(new Set(["RAW"]));
    const back = await a.fetchLedger({ limit: 10 });
    expect(back.map((e) => e.strategyTag).sort()).toEqual([...nasty].sort());
    const p = await a.fetchPosition('=HYPERLINK("x")');
    expect(p?.avgPrice.eq(new Decimal("12345678901234567890.123456789"))).toBe(true);
  });

  it("a corrupted qty cell: reads of that symbol and fetchPositions reject naming the row, health degraded", async () => {
    const id = emu.createSpreadsheet();
    const warnings: SheetsRowWarning[] = [];
    const a = adapter({ spreadsheetId: id, onWarning: (w) => warnings.push(w) });
    await a.updatePosition("AAPL", "10", "100");
    // A human types a position with numbers (USER_ENTERED) and a broken one.
    emu.setValues(id, "positions!A3:C5", [
      ["MSFT", "25", "410.5"],
      ["TSLA", "lots", "200"],
      ["NVDA", "3", "oops"],
    ]);
    expect((await a.fetchPosition("MSFT"))?.qty.eq(25)).toBe(true); // numbers a person typed are read
    expect((await a.fetchPosition("AAPL"))?.qty.eq(10)).toBe(true); // other symbols are unaffected
    const one = await a.fetchPosition("TSLA").catch((e: unknown) => e);
    expect(one).toBeInstanceOf(DataSourceError);
    expect((one as Error).message).toMatch(
      /fetchPosition: 1 row\(s\) cannot be read.*tab "positions" row 4 \(Invalid qty/,
    );
    expect((one as Error).message).not.toMatch(/row 5/);
    const all = await a.fetchPositions().catch((e: unknown) => e);
    expect(all).toBeInstanceOf(DataSourceError);
    expect((all as Error).message).toMatch(/tab "positions" row 4 \(Invalid qty.*row 5 \(Invalid avgPrice/);
    expect(warnings.map((w) => w.row)).toEqual([4, 5]); // each reported once
    const health = await a.healthCheck();
    expect(health.healthy).toBe(false);
    expect(health.details?.invalidRows).toBe(2);
    expect(health.error).toMatch(/2 row\(s\) cannot be read: tab "positions" row 4 \(Invalid qty.*row 5/);
    emu.setValues(id, "positions!B4:C5", [
      ["7", "200"],
      ["3", "1"],
    ]); // fixed by hand
    expect((await a.healthCheck()).healthy).toBe(true);
    expect((await a.fetchPositions()).map((p) => p.symbol)).toEqual(["AAPL", "MSFT", "NVDA", "TSLA"]);
  });

  it("a bad ledger, bar or tick row blocks reads of its symbol (or all, when its symbol is unreadable)", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id, onWarning: () => undefined });
    await a.appendLedger(entry(1));
    await a.appendLedger(entry(2, { symbol: "MSFT" }));
    await a.appendTicks([tick({ time: T, symbol: "AAPL", price: 1, volume: 1 })]);
    emu.setValues(id, "ledger!E2", [["1.5x"]], "RAW"); // AAPL's row
    emu.setValues(id, "ticks!A3:D3", [["not a time", "MSFT", "1", "1"]], "RAW");
    await expect(a.fetchLedger({ symbol: "AAPL" })).rejects.toThrow(/tab "ledger" row 2/);
    expect(await a.fetchLedger({ symbol: "MSFT" })).toHaveLength(1);
    await expect(a.fetchLedger()).rejects.toBeInstanceOf(DataSourceError);
    expect(await a.fetchTickData("AAPL", new Date(T), new Date(T + 1))).toHaveLength(1);
    await expect(a.fetchTickData("MSFT", new Date(T), new Date(T + 1))).rejects.toThrow(/tab "ticks" row 3/);
    emu.setValues(id, "ticks!B3", [[""]], "RAW"); // symbol unreadable too: it could be anyone's
    await expect(a.fetchTickData("AAPL", new Date(T), new Date(T + 1))).rejects.toThrow(/tab "ticks" row 3/);
  });

  it("two ledger rows with one id are an error to repair, never two trades", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id, onWarning: () => undefined });
    await a.appendLedger(entry(1));
    await a.appendLedger(entry(2));
    const row2 = emu.getSheetValues(id, "ledger")[1] as string[];
    emu.setValues(id, "ledger!A4:K4", [row2], "RAW");
    const err = await a.fetchLedger({ symbol: "AAPL" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect((err as Error).message).toMatch(/row 2 \(ledger id 1 appears in rows 2, 4/);
    expect((await a.healthCheck()).healthy).toBe(false);
  });

  it("updatePosition keeps the other fields and updates the row in place", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id });
    await a.putPosition(
      position({ symbol: "AAPL", qty: 1, avgPrice: 2, market: "NASDAQ", exposurePct: "0.25" }),
    );
    await a.updatePosition("AAPL", 5, "3.5");
    expect(emu.getSheetValues(id, "positions")).toHaveLength(2);
    const p = await a.fetchPosition("AAPL");
    expect(p?.market).toBe("NASDAQ");
    expect(p?.exposurePct.eq("0.25")).toBe(true);
    expect(p?.qty.eq(5)).toBe(true);
    expect(p?.updatedAt).toBeInstanceOf(Date);
  });
});

describe("GoogleSheetsAdapter faults", () => {
  it("loses no ledger row under 429 bursts (retried with backoff)", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id });
    await a.fetchLedger(); // tabs ready
    const before = a.stats.retries;
    emu.injectFailures({ status: 429, count: 4, retryAfterSeconds: 0, methods: ["values.append"] });
    const writes: Promise<boolean>[] = [];
    for (let i = 0; i < 60; i++) writes.push(a.appendLedger(entry(i)));
    expect(await Promise.all(writes)).toEqual(Array(60).fill(true));
    const ledger = await a.fetchLedger({ limit: 1000 });
    expect(ledger).toHaveLength(60);
    expect(new Set(ledger.map((e) => e.orderId)).size).toBe(60);
    expect(ledger.map((e) => e.id).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    expect(a.stats.retries - before).toBe(4);
  });

  it("does not duplicate a ledger row when a 503 arrives after the append was applied", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id });
    await a.appendLedger(entry(0));
    emu.injectFailures({ status: 503, count: 1, methods: ["values.append"], afterApply: true });
    expect(await a.appendLedger(entry(1))).toBe(true);
    emu.injectFailures({ status: "reset", count: 1, methods: ["values.append"], afterApply: true });
    expect(await a.appendLedger(entry(2))).toBe(true);
    const rows = emu.getSheetValues(id, "ledger").slice(1);
    expect(rows.map((r) => r[0])).toEqual(["1", "2", "3"]);
    expect(a.stats.retries).toBeGreaterThanOrEqual(2);
  });

  it("does not duplicate a new position row or a tick chunk after an ambiguous failure", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id });
    await a.fetchPositions();
    emu.injectFailures({ status: 500, count: 1, methods: ["values.append"], afterApply: true });
    await a.updatePosition("AAPL", 1, 1);
    expect(emu.getSheetValues(id, "positions")).toHaveLength(2);
    const ticks = [1, 2, 3].map((i) => tick({ time: T + i, symbol: "AAPL", price: i, volume: i }));
    emu.injectFailures({ status: 503, count: 1, methods: ["values.append"], afterApply: true });
    expect(await a.appendTicks(ticks)).toBe(3);
    expect(await a.fetchTickData("AAPL", new Date(T), new Date(T + 10))).toHaveLength(3);
  });

  it("gives up with DataSourceUnavailableError at the deadline, then recovers", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id, retry: { deadlineMs: 300, baseDelayMs: 20, maxDelayMs: 50 } });
    await a.fetchLedger();
    emu.injectFailures({ status: 503, count: Number.POSITIVE_INFINITY });
    const started = Date.now();
    await expect(a.appendLedger(entry(1))).rejects.toBeInstanceOf(DataSourceUnavailableError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await a.healthCheck()).healthy).toBe(false);
    emu.clearFailures();
    expect(emu.getSheetValues(id, "ledger")).toHaveLength(1);
    expect(await a.appendLedger(entry(1))).toBe(true);
    expect((await a.healthCheck()).healthy).toBe(true);
  });

  it("never puts the access token into an error", async () => {
    const a = adapter({ spreadsheetId: "missing-sheet", rootUrl: strict.rootUrl });
    const err = await a.fetchPositions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(inspect(err, { depth: 20 })).not.toContain("test-token");
    expect(JSON.stringify(err)).not.toContain("test-token");
  });

  it("does not retry a non-retryable error (unknown spreadsheet → DataSourceError)", async () => {
    const a = adapter({ spreadsheetId: "does-not-exist", rootUrl: strict.rootUrl });
    const err = await a.fetchPositions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(err).not.toBeInstanceOf(DataSourceUnavailableError);
    expect(String((err as Error).message)).toMatch(/404/);
    expect(a.stats.retries).toBe(0);
  });

  it("times out slow requests and gives up at the deadline", async () => {
    const id = emu.createSpreadsheet();
    await adapter({ spreadsheetId: id }).fetchPositions(); // tabs ready
    const a = adapter({ spreadsheetId: id, retry: { requestTimeoutMs: 100, deadlineMs: 400 } });
    emu.setLatency(1000);
    const before = a.stats.retries;
    const err = await a.fetchPositions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceUnavailableError);
    expect((err as Error).message).toMatch(/aborted|timeout/i);
    expect(a.stats.retries - before).toBeGreaterThanOrEqual(1);
  });

  it("validates before writing and after close rejects as unavailable", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id });
    const count = () => emu.requestLog.filter((e) => e.path.includes(id)).length;
    await expect(a.updatePosition(" ", 1, 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(a.appendLedger({ ...entry(1), qty: new Decimal(0) })).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(count()).toBe(0);
    await a.close();
    await expect(a.fetchPositions()).rejects.toBeInstanceOf(DataSourceUnavailableError);
  });
});

describe("GoogleSheetsAdapter auth", () => {
  it("sends the injected client's bearer token", async () => {
    const id = emu.createSpreadsheet();
    const a = adapter({ spreadsheetId: id });
    await a.fetchPositions();
    expect(emu.countRequests(undefined, { succeededOnly: true })).toBeGreaterThan(0);
    expect(emu.requestLog.every((e) => e.status !== 401)).toBe(true);
  });

  it("loads a service-account key file with the spreadsheets scope (no token request made)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qts-sa-"));
    try {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const keyFile = join(dir, "sa.json");
      writeFileSync(
        keyFile,
        JSON.stringify({
          type: "service_account",
          client_email: "qts@example.iam.gserviceaccount.com",
          private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
          private_key_id: "k1",
        }),
      );
      const auth = makeAuth(undefined, keyFile);
      expect(auth).toBeInstanceOf(GoogleAuth);
      const client = await (auth as GoogleAuth).getClient();
      expect(client).toBeInstanceOf(JWT);
      expect((client as JWT).email).toBe("qts@example.iam.gserviceaccount.com");
      expect((client as JWT).scopes).toEqual([SHEETS_SCOPE]);
      expect(makeAuth(fixedTokenAuth(), keyFile)).not.toBeInstanceOf(GoogleAuth);
      expect(
        () => new GoogleSheetsAdapter({ spreadsheetId: "x", keyFile, rootUrl: emu.rootUrl }),
      ).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an empty spreadsheet id", () => {
    expect(() => new GoogleSheetsAdapter({ spreadsheetId: " ", auth: fixedTokenAuth() })).toThrow(
      ValidationError,
    );
  });
});
