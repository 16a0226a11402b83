import {
  Decimal,
  type LedgerEntry,
  ledgerEntry,
  type OHLCV,
  ohlcv,
  type Position,
  type TickData,
  tick,
} from "@qts/contracts";

/** Strings every store must keep verbatim (SQL, spreadsheet formulas, unicode, emoji). */
export const NASTY_STRINGS: readonly string[] = Object.freeze([
  "'; DROP TABLE positions; --",
  '"; DROP TABLE ledger; --',
  "=SUM(A1)",
  '=IMPORTRANGE("x","y")',
  "+1",
  "-1",
  "@x",
  "日本語の銘柄",
  "emoji 🚀📈",
  "tab\\t and backslash \\ and quote ' \"",
  "  padded  ",
  "",
]);

/** Symbols (valid: trimmed, <= 64 chars, no control characters) that look dangerous to a naive store. */
export const NASTY_SYMBOLS: readonly string[] = Object.freeze([
  "'; DROP TABLE positions; --",
  "=SUM(A1)",
  '=IMPORTRANGE("x","y")',
  "+1",
  "-1",
  "@x",
  "삼성전자",
  "BTC🚀",
  "a\\b%_*",
]);

/** Decimals that must round-trip exactly (compared with `Decimal.eq`). */
export const EXACT_DECIMALS: readonly string[] = Object.freeze([
  "0.1",
  "1e-12",
  "-0.000001",
  "12345678901234567890.123456789",
]);

/** 2024-01-02T00:00:00Z, a UTC day boundary all fixtures start from. */
export const T0 = Date.UTC(2024, 0, 2);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const at = (ms: number): Date => new Date(ms);

/** A deterministic pseudo-random generator (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` consecutive bars of `stepMs` starting at `startMs`, prices with 4 decimals, valid OHLC. */
export function makeBars(symbol: string, startMs: number, count: number, stepMs = MINUTE, seed = 7): OHLCV[] {
  const next = rng(seed);
  const out: OHLCV[] = [];
  let price = 10_000 + Math.floor(next() * 1_000_000);
  for (let i = 0; i < count; i++) {
    const open = price;
    const close = Math.max(1, open + Math.floor((next() - 0.5) * 2_000));
    const high = Math.max(open, close) + Math.floor(next() * 500);
    const low = Math.max(0, Math.min(open, close) - Math.floor(next() * 500));
    price = close;
    out.push(
      ohlcv({
        time: startMs + i * stepMs,
        symbol,
        open: new Decimal(open).div(10_000),
        high: new Decimal(high).div(10_000),
        low: new Decimal(low).div(10_000),
        close: new Decimal(close).div(10_000),
        volume: 1 + Math.floor(next() * 100_000),
      }),
    );
  }
  return out;
}

/** `count` ticks evenly spread over `[startMs, startMs + spanMs)`. */
export function makeTicks(
  symbol: string,
  startMs: number,
  count: number,
  spanMs: number,
  seed = 11,
): TickData[] {
  const next = rng(seed);
  const out: TickData[] = [];
  for (let i = 0; i < count; i++) {
    const cents = 10_000 + Math.floor(next() * 100_000);
    const withQuote = i % 3 !== 0;
    out.push(
      tick({
        time: startMs + Math.floor((i * spanMs) / count),
        symbol,
        price: new Decimal(cents).div(100),
        volume: Math.floor(next() * 1_000),
        bid: withQuote ? new Decimal(cents - 1).div(100) : null,
        ask: withQuote ? new Decimal(cents + 1).div(100) : null,
        source: i % 2 === 0 ? "feed-a" : "",
      }),
    );
  }
  return out;
}

export function makeEntry(overrides: Partial<Parameters<typeof ledgerEntry>[0]> = {}): LedgerEntry {
  return ledgerEntry({
    timestamp: T0,
    symbol: "AAPL",
    side: "BUY",
    qty: "10",
    price: "150.25",
    amount: "1502.5",
    fee: "1.5",
    strategyTag: "momo",
    orderId: "o-1",
    broker: "kis",
    ...overrides,
  });
}

function plainValue(value: unknown): unknown {
  if (Decimal.isDecimal(value)) return `D(${(value as Decimal).toFixed()})`;
  if (value instanceof Date) return `T(${value.toISOString()})`;
  return value;
}

/**
 * A record with Decimals as `D(<plain digits>)` and Dates as `T(<iso>)`, for readable exact comparisons
 * (a JS number where a Decimal belongs shows up as a difference).
 */
export function plain<T extends object>(record: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = plainValue(v);
  return out;
}

export function plainAll<T extends object>(records: readonly T[]): Record<string, unknown>[] {
  return records.map((r) => plain(r));
}

/** A ledger entry without its store-assigned id, for comparisons. */
export function withoutId(entry: LedgerEntry): Record<string, unknown> {
  const { id: _id, ...rest } = plain(entry);
  return rest;
}

/** A position without `updatedAt` (store-assigned), for comparisons. */
export function withoutUpdatedAt(p: Position): Record<string, unknown> {
  const { updatedAt: _u, ...rest } = plain(p);
  return rest;
}
