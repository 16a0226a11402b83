import { type OHLCV, ohlcv, type TickData } from "@qts/contracts";

/** 1-minute bars of one minute's ticks (open first, close last, high max, low min, volume sum), by symbol. */
export function barsFromTicks(minuteStart: Date, ticks: readonly TickData[]): OHLCV[] {
  const by = new Map<string, TickData[]>();
  for (const t of ticks) {
    const list = by.get(t.symbol);
    if (list === undefined) by.set(t.symbol, [t]);
    else list.push(t);
  }
  const bars: OHLCV[] = [];
  for (const [symbol, list] of by) {
    const first = list[0];
    const last = list[list.length - 1];
    if (first === undefined || last === undefined) continue;
    let high = first.price;
    let low = first.price;
    let volume = 0;
    for (const t of list) {
      if (t.price.gt(high)) high = t.price;
      if (t.price.lt(low)) low = t.price;
      volume += t.volume;
    }
    bars.push(ohlcv({ time: minuteStart, symbol, open: first.price, high, low, close: last.price, volume }));
  }
  return bars.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}
