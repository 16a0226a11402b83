import { describe, expect, it } from "vitest";
import {
  Decimal,
  ImmutableDate,
  ledgerEntry,
  ohlcv,
  position,
  positionFromHash,
  positionToHash,
  tick,
  tickFromHash,
  tickToHash,
  toDecimal,
} from "../src/index.js";

const T = Date.parse("2024-05-01T09:30:00.000Z");

const SETTERS: [string, ...number[]][] = [
  ["setTime", 0],
  ["setMilliseconds", 1],
  ["setSeconds", 1],
  ["setMinutes", 1],
  ["setHours", 1],
  ["setDate", 1],
  ["setMonth", 1],
  ["setFullYear", 2000],
  ["setUTCMilliseconds", 1],
  ["setUTCSeconds", 1],
  ["setUTCMinutes", 1],
  ["setUTCHours", 1],
  ["setUTCDate", 1],
  ["setUTCMonth", 1],
  ["setUTCFullYear", 2000],
  ["setYear", 99],
];

function records() {
  return {
    "position.updatedAt": [position({ symbol: "AAPL", qty: 1, avgPrice: 1, updatedAt: T }), "updatedAt"],
    "ledgerEntry.timestamp": [
      ledgerEntry({ timestamp: T, symbol: "AAPL", side: "BUY", qty: 1, price: 1, amount: 1 }),
      "timestamp",
    ],
    "tick.time": [tick({ time: T, symbol: "AAPL", price: 1, volume: 1 }), "time"],
    "ohlcv.time": [ohlcv({ time: T, symbol: "AAPL", open: 1, high: 1, low: 1, close: 1, volume: 1 }), "time"],
    "positionFromHash().updatedAt": [
      positionFromHash(positionToHash(position({ symbol: "AAPL", qty: 1, avgPrice: 1, updatedAt: T }))),
      "updatedAt",
    ],
    "tickFromHash().time": [
      tickFromHash(tickToHash(tick({ time: T, symbol: "AAPL", price: 1, volume: 1 }))),
      "time",
    ],
  } as unknown as Record<string, [Record<string, unknown>, string]>;
}

describe("a record's Date cannot be changed through the record", () => {
  for (const [name, [record, field]] of Object.entries(records())) {
    it(`${name}: every setter throws TypeError and the time stays`, () => {
      const date = record[field] as Date;
      for (const [setter, ...args] of SETTERS) {
        const set = (date as unknown as Record<string, (...a: number[]) => number>)[setter]!;
        expect(() => set.apply(date, args), setter).toThrow(TypeError);
      }
      expect(date.getTime()).toBe(T);
      expect((record[field] as Date).toISOString()).toBe("2024-05-01T09:30:00.000Z");
    });

    it(`${name}: is a frozen Date, so methods cannot be shadowed either`, () => {
      const date = record[field] as Date;
      expect(date).toBeInstanceOf(Date);
      expect(date).toBeInstanceOf(ImmutableDate);
      expect(Object.isFrozen(date)).toBe(true);
      expect(() => {
        (date as unknown as { getTime: () => number }).getTime = () => 0;
      }).toThrow(TypeError);
      expect(date.getTime()).toBe(T);
      expect(() => {
        (record as { [k: string]: unknown })[field] = new Date(0);
      }).toThrow(TypeError);
    });
  }

  it("works wherever a Date does: ISO text, JSON, comparison, equality with a plain Date, structuredClone", () => {
    const t = tick({ time: T, symbol: "AAPL", price: 1, volume: 1 });
    expect(JSON.stringify({ at: t.time })).toBe('{"at":"2024-05-01T09:30:00.000Z"}');
    expect(+t.time).toBe(T);
    expect(t.time).toEqual(new Date(T));
    expect(structuredClone(t.time)).toEqual(new Date(T));
    expect(Object.prototype.toString.call(t.time)).toBe("[object Date]");
  });

  it("a caller's Date is copied: changing it later does not change the record", () => {
    const mine = new Date(T);
    const p = position({ symbol: "AAPL", qty: 1, avgPrice: 1, updatedAt: mine });
    mine.setTime(0);
    expect(p.updatedAt?.getTime()).toBe(T);
    expect(Object.isFrozen(mine)).toBe(false);
  });
});

describe("a record's Decimal cannot be changed through the record", () => {
  it("Decimal fields and their digits are frozen", () => {
    const p = position({ symbol: "AAPL", qty: "-12.5", avgPrice: "3", unrealizedPnl: 0 });
    for (const d of [p.qty, p.avgPrice, p.unrealizedPnl]) {
      expect(Object.isFrozen(d)).toBe(true);
      expect(() => {
        (d as unknown as { s: number }).s = 1;
      }).toThrow(TypeError);
    }
    expect(() => {
      (p.qty as unknown as { d: number[] }).d[0] = 99;
    }).toThrow(TypeError);
    expect(() => {
      (p.qty as unknown as { toFixed: () => string }).toFixed = () => "0";
    }).toThrow(TypeError);
    expect(p.qty.toFixed()).toBe("-12.5");
  });

  it("a caller's Decimal is copied, not frozen, and later changes to it do not reach the record", () => {
    const mine = new Decimal("5");
    const t = tick({ time: T, symbol: "AAPL", price: mine, volume: 1 });
    expect(Object.isFrozen(mine)).toBe(false);
    (mine as unknown as { s: number }).s = -1;
    expect(t.price.toFixed()).toBe("5");
  });

  it("a frozen Decimal (one a factory made) is passed on without a copy", () => {
    const d = toDecimal("1.25", "x");
    expect(toDecimal(d, "x")).toBe(d);
  });

  it("arithmetic on frozen Decimals works (decimal.js never changes an instance)", () => {
    const a = toDecimal("123.456", "a");
    const b = toDecimal("-0.001", "b");
    const [ua, ub] = [new Decimal("123.456"), new Decimal("-0.001")];
    expect(a.plus(b).times(b).div(a).toFixed()).toBe(ua.plus(ub).times(ub).div(ua).toFixed());
    expect(a.pow(3).sqrt().ln().toFixed()).toBe(ua.pow(3).sqrt().ln().toFixed());
    expect(a.mod(b).toFixed()).toBe(ua.mod(ub).toFixed());
    expect(Decimal.max(a, b).eq(a)).toBe(true);
    expect(new Decimal(a).plus(1).toFixed()).toBe("124.456");
  });
});
