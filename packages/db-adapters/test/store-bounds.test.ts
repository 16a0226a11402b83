import {
  type DataSourceAdapter,
  DECIMAL_LIMITS,
  ledgerEntry,
  MAX_DATE_MS,
  MAX_TEXT_LENGTH,
  MIN_DATE_MS,
  tick,
  ValidationError,
} from "@qts/contracts";
import type { SheetsEmulator } from "@qts/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InMemoryAdapter } from "../src/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";
import { describePg, migratedAdapter, pgUrlOrNull, type SchemaAdapter } from "./timescale-helpers.js";

// What the factories accept at their limits, every store holds exactly; what they refuse, no store gets.

const BIG = "9".repeat(DECIMAL_LIMITS.maxIntegerDigits);
const TINY = "1e-1000";
const WIDE = `${"1".repeat(500)}.${"2".repeat(500)}`;
const TAG = `😀${"t".repeat(MAX_TEXT_LENGTH - 2)}`;
const SYMBOL = "😀𝔘.X";

const extremes = () => ({
  entries: [
    ledgerEntry({
      timestamp: MIN_DATE_MS,
      symbol: SYMBOL,
      side: "BUY",
      qty: TINY,
      price: BIG,
      amount: WIDE,
      fee: TINY,
      strategyTag: TAG,
      orderId: "𝔘-1",
      broker: "é\t\u0001",
    }),
    ledgerEntry({ timestamp: MAX_DATE_MS, symbol: SYMBOL, side: "SELL", qty: BIG, price: 0, amount: 0 }),
  ],
  ticks: [
    tick({ time: MIN_DATE_MS, symbol: SYMBOL, price: BIG, volume: 1, bid: TINY, ask: WIDE, source: TAG }),
    tick({ time: MAX_DATE_MS, symbol: SYMBOL, price: TINY, volume: 2 }),
  ],
});

const plain = (r: object) =>
  JSON.stringify(r, (_k, v) =>
    typeof v === "object" && v?.constructor?.name === "Decimal" ? v.toFixed() : v,
  );

async function roundTripsTheExtremes(adapter: DataSourceAdapter): Promise<void> {
  const { entries, ticks } = extremes();
  for (const e of entries) expect(await adapter.appendLedger(e)).toBe(true);
  const ledger = await adapter.fetchLedger({ symbol: SYMBOL });
  expect(ledger.map((e) => plain({ ...e, id: null }))).toEqual([...entries].reverse().map(plain));
  expect(await adapter.appendTicks(ticks)).toBe(2);
  const got = await adapter.fetchTickData(SYMBOL, new Date(-8.64e15), new Date(8.64e15));
  expect(got.map(plain)).toEqual(ticks.map(plain));
  expect(got[0]?.time.toISOString()).toBe("0001-01-01T00:00:00.000Z");
  expect(got[1]?.time.toISOString()).toBe("9999-12-31T23:59:59.999Z");
}

async function refusesWhatAStoreCannotHold(adapter: DataSourceAdapter): Promise<void> {
  const good = { time: 0, symbol: "AAPL", price: "1", volume: 1 };
  for (const bad of [
    { ...good, price: "1e100000000" },
    { ...good, source: "a\u0000b" },
    { ...good, symbol: "AB\ud800" },
    { ...good, time: "-004714-01-01T00:00:00Z" },
    { ...good, time: MAX_DATE_MS + 1 },
  ]) {
    await expect(adapter.appendTicks([good as never, bad as never])).rejects.toBeInstanceOf(ValidationError);
  }
  await expect(
    adapter.appendLedger({
      timestamp: 0,
      symbol: "AAPL",
      side: "BUY",
      qty: "1e1000",
      price: 1,
      amount: 1,
    } as never),
  ).rejects.toBeInstanceOf(ValidationError);
  expect(await adapter.fetchTickData("AAPL", new Date(-8.64e15), new Date(8.64e15))).toEqual([]);
  expect(await adapter.fetchLedger({})).toEqual([]);
}

describe("InMemoryAdapter holds the extremes", () => {
  it("round-trips the extreme decimals, times and text exactly", async () => {
    await roundTripsTheExtremes(new InMemoryAdapter());
  });
  it("refuses what a store cannot hold, and writes nothing", async () => {
    await refusesWhatAStoreCannotHold(new InMemoryAdapter());
  });
});

describe("GoogleSheetsAdapter holds the extremes (local emulator)", () => {
  let emu: SheetsEmulator;
  const open: DataSourceAdapter[] = [];
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((a) => a.close()));
  });
  afterAll(async () => {
    await emu?.close();
  });
  const make = () => {
    const a = sheetsAdapter(emu);
    open.push(a);
    return a;
  };

  it("round-trips the extreme decimals, times and text exactly", async () => {
    await roundTripsTheExtremes(make());
  });
  it("refuses what a store cannot hold, and writes nothing", async () => {
    await refusesWhatAStoreCannotHold(make());
  });
});

const url = await pgUrlOrNull();
describePg(url, "TimescaleAdapter holds the extremes (PostgreSQL)", () => {
  const open: SchemaAdapter[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) {
      await s.adapter.close();
      await s.drop();
    }
  });
  const make = async () => {
    const s = await migratedAdapter(url!, "qts_bounds", { pool: { minConnections: 0 } });
    open.push(s);
    return s.adapter;
  };

  it("round-trips the extreme decimals, times and text exactly", async () => {
    await roundTripsTheExtremes(await make());
  });
  it("refuses what a store cannot hold, and writes nothing", async () => {
    await refusesWhatAStoreCannotHold(await make());
  });
});
