import { decimalToPlain, type OHLCV, ohlcv, type TickData, tick } from "@qts/contracts";

/** Deterministic data shared by baseline and ours. */

export function symbols(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `SYM${String(i).padStart(4, "0")}`);
}

/** An 8-field price hash, as an engine would push it (plain decimal strings, epoch-ms timestamp). */
export function priceHash(symbol: string, i: number): Record<string, string> {
  const px = 100 + (i % 997) / 100;
  return {
    symbol,
    price: px.toFixed(2),
    bid: (px - 0.01).toFixed(2),
    ask: (px + 0.01).toFixed(2),
    bidSize: String(100 + (i % 50)),
    askSize: String(200 + (i % 70)),
    volume: String(1_000_000 + i),
    timestamp: String(Date.now()),
  };
}

const T0 = Date.UTC(2026, 0, 5, 14, 30);

/** `n` ticks over 10 symbols, 10 ms apart, with bid/ask and a source. */
export function makeTicks(n: number): TickData[] {
  const out = new Array<TickData>(n);
  for (let i = 0; i < n; i++) {
    const px = 100 + ((i * 7) % 1000) / 100;
    out[i] = tick({
      time: T0 + i * 10,
      symbol: `SYM${i % 10}`,
      price: px.toFixed(2),
      volume: 1 + (i % 500),
      bid: (px - 0.01).toFixed(2),
      ask: (px + 0.01).toFixed(2),
      source: "bench",
    });
  }
  return out;
}

/** The ticks as CSV lines in TICK_FIELDS order (time, symbol, price, volume, bid, ask, source). */
export function ticksCsv(ticks: readonly TickData[]): string {
  const lines = new Array<string>(ticks.length);
  for (let i = 0; i < ticks.length; i++) {
    const t = ticks[i]!;
    lines[i] = [
      t.time.toISOString(),
      t.symbol,
      decimalToPlain(t.price),
      String(t.volume),
      t.bid === null ? "" : decimalToPlain(t.bid),
      t.ask === null ? "" : decimalToPlain(t.ask),
      `"${t.source.replaceAll('"', '""')}"`,
    ].join(",");
  }
  return `${lines.join("\n")}\n`;
}

export const BARS_START = new Date(Date.UTC(2025, 0, 1));

/** `days` × 1440 one-minute bars for one symbol, starting at BARS_START (a random walk, valid OHLC). */
export function makeMinuteBars(symbol: string, days: number): OHLCV[] {
  const n = days * 1440;
  const out = new Array<OHLCV>(n);
  let px = 10_000;
  for (let i = 0; i < n; i++) {
    const open = px;
    const close = Math.max(100, open + (((i * 7919) % 41) - 20));
    const high = Math.max(open, close) + (i % 7);
    const low = Math.min(open, close) - (i % 5);
    px = close;
    out[i] = ohlcv({
      time: BARS_START.getTime() + i * 60_000,
      symbol,
      open: (open / 100).toFixed(2),
      high: (high / 100).toFixed(2),
      low: (low / 100).toFixed(2),
      close: (close / 100).toFixed(2),
      volume: 100 + (i % 1000),
    });
  }
  return out;
}

export function barsCsv(bars: readonly OHLCV[]): string {
  const lines = new Array<string>(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    lines[i] = [
      b.symbol,
      b.time.toISOString(),
      decimalToPlain(b.open),
      decimalToPlain(b.high),
      decimalToPlain(b.low),
      decimalToPlain(b.close),
      String(b.volume),
    ].join(",");
  }
  return `${lines.join("\n")}\n`;
}
