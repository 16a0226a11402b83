import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Decimal,
  decimalToPlain,
  LEDGER_FIELDS,
  type LedgerEntry,
  ledgerEntry,
  ledgerEntryFromHash,
  ledgerEntryToHash,
  type OHLCV,
  OHLCV_FIELDS,
  ohlcv,
  ohlcvFromHash,
  ohlcvToHash,
  POSITION_FIELDS,
  type Position,
  position,
  positionFromHash,
  positionToHash,
  TICK_FIELDS,
  type TickData,
  tick,
  tickFromHash,
  tickToHash,
  toDecimal,
  ValidationError,
} from "../src/index.js";
import {
  dateArb,
  decimalInput,
  decimalString,
  EXPONENT,
  expectedDecimal,
  expectValidation,
  fillIdArb,
  RUNS,
  symbolArb,
  textArb,
} from "./helpers.js";

const DECIMAL_FIELDS = {
  position: ["qty", "avgPrice", "exposureValue", "exposurePct", "unrealizedPnl", "realizedPnl"],
  ledger: ["qty", "price", "amount", "fee"],
  ohlcv: ["open", "high", "low", "close"],
  tick: ["price", "bid", "ask"],
} as const;

/** Field-by-field equality: Decimals by `eq` (and identical plain text), Dates by time, the rest by `===`. */
function expectSameRecord(actual: object, expected: object): void {
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
  for (const key of Object.keys(e)) {
    const av = a[key];
    const ev = e[key];
    if (Decimal.isDecimal(ev)) {
      expect(Decimal.isDecimal(av), key).toBe(true);
      expect((av as Decimal).eq(ev as Decimal), key).toBe(true);
      expect((av as Decimal).toFixed(), key).toBe((ev as Decimal).toFixed());
    } else if (ev instanceof Date) {
      expect(av).toBeInstanceOf(Date);
      expect((av as Date).getTime(), key).toBe(ev.getTime());
    } else {
      expect(av, key).toBe(ev);
    }
  }
  expect(Object.isFrozen(actual)).toBe(true);
}

/** Every decimal field of the hash is plain notation that parses back to the record's value. */
function expectPlainDecimals(hash: Record<string, string>, record: object, fields: readonly string[]): void {
  for (const f of fields) {
    const text = hash[f];
    expect(typeof text).toBe("string");
    const value = (record as Record<string, Decimal | null>)[f];
    if (value === null) {
      expect(text).toBe("");
      continue;
    }
    expect(text, `${f}=${text}`).not.toMatch(EXPONENT);
    expect(text).toMatch(/^-?\d+(\.\d+)?$/);
    expect(new Decimal(text as string).eq(value as Decimal)).toBe(true);
  }
}

const positionArb = fc.record({
  symbol: symbolArb,
  qty: decimalInput(),
  avgPrice: decimalInput({ nonNegative: true }),
  market: textArb,
  exposureValue: decimalInput(),
  exposurePct: decimalInput(),
  unrealizedPnl: decimalInput(),
  updatedAt: fc.option(dateArb, { nil: null }),
  realizedPnl: decimalInput(),
  version: fc.maxSafeNat(),
});

const ledgerArb = fc.record({
  id: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
  timestamp: dateArb,
  symbol: symbolArb,
  side: fc.constantFrom("BUY" as const, "SELL" as const),
  qty: decimalInput({ nonNegative: true }).filter((v) => !expectedDecimal(v).isZero()),
  price: decimalInput({ nonNegative: true }),
  amount: decimalInput({ nonNegative: true }),
  fee: decimalInput({ nonNegative: true }),
  strategyTag: textArb,
  orderId: textArb,
  broker: textArb,
  fillId: fc.option(fillIdArb, { nil: null }),
});

const barArb = fc
  .record({
    time: dateArb,
    symbol: symbolArb,
    prices: fc.array(decimalString({ nonNegative: true }), { minLength: 4, maxLength: 4 }),
    openIsLow: fc.boolean(),
    volume: fc.maxSafeNat(),
  })
  .map(({ time, symbol, prices, openIsLow, volume }) => {
    const [low, a, b, high] = [...prices].sort((x, y) => new Decimal(x).cmp(new Decimal(y))) as [
      string,
      string,
      string,
      string,
    ];
    return { time, symbol, low, high, open: openIsLow ? a : b, close: openIsLow ? b : a, volume };
  });

const tickArb = fc.record({
  time: dateArb,
  symbol: symbolArb,
  price: decimalInput({ nonNegative: true }),
  volume: fc.maxSafeNat(),
  bid: fc.option(decimalInput({ nonNegative: true }), { nil: null }),
  ask: fc.option(decimalInput({ nonNegative: true }), { nil: null }),
  source: textArb,
});

describe("decimalToPlain", () => {
  it("never uses exponent notation and keeps every digit", () => {
    expect(decimalToPlain(new Decimal("1e-12"))).toBe("0.000000000001");
    expect(decimalToPlain(new Decimal("-0.000001"))).toBe("-0.000001");
    expect(decimalToPlain(new Decimal("1e+30"))).toBe("1000000000000000000000000000000");
    expect(decimalToPlain(new Decimal("12345678901234567890.123456789"))).toBe(
      "12345678901234567890.123456789",
    );
    expect(decimalToPlain(new Decimal("0.1"))).toBe("0.1");
    expect(decimalToPlain(toDecimal(-0, "x"))).toBe("0");
  });

  it("round-trips any decimal exactly (property)", () => {
    fc.assert(
      fc.property(decimalInput(), (input) => {
        const d = toDecimal(input, "x");
        const text = decimalToPlain(d);
        expect(text).not.toMatch(EXPONENT);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        const back = toDecimal(text, "x");
        expect(back.eq(d)).toBe(true);
        expect(back.eq(expectedDecimal(input))).toBe(true);
        expect(decimalToPlain(back)).toBe(text);
      }),
      RUNS,
    );
  });
});

describe("position codec", () => {
  it("encodes in POSITION_FIELDS order with plain decimals and ISO times", () => {
    const p = position({
      symbol: "AAPL",
      qty: "1e-12",
      avgPrice: "12345678901234567890.123456789",
      exposurePct: "-0.000001",
      updatedAt: new Date("2024-05-01T09:30:00.5Z"),
    });
    const h = positionToHash(p);
    expect(Object.keys(h)).toEqual([...POSITION_FIELDS]);
    expect(h).toEqual({
      symbol: "AAPL",
      qty: "0.000000000001",
      avgPrice: "12345678901234567890.123456789",
      market: "",
      exposureValue: "0",
      exposurePct: "-0.000001",
      unrealizedPnl: "0",
      updatedAt: "2024-05-01T09:30:00.500Z",
      realizedPnl: "0",
      version: "0",
    });
    expect(positionToHash(position({ symbol: "A", qty: 0, avgPrice: 0 })).updatedAt).toBe("");
  });

  it("round-trips random positions exactly (property)", () => {
    fc.assert(
      fc.property(positionArb, (input) => {
        const p = position(input);
        expect(p.qty.eq(expectedDecimal(input.qty))).toBe(true);
        const h = positionToHash(p);
        expect(Object.keys(h)).toEqual([...POSITION_FIELDS]);
        expectPlainDecimals(h, p, DECIMAL_FIELDS.position);
        expectSameRecord(positionFromHash(h), p);
      }),
      RUNS,
    );
  });

  it("decodes a hash with only the required fields, using the defaults", () => {
    const p = positionFromHash({ symbol: "AAPL", qty: "-3", avgPrice: "10" });
    expect(p.market).toBe("");
    expect(p.exposureValue.isZero()).toBe(true);
    expect(p.updatedAt).toBeNull();
  });

  it("throws ValidationError naming the field for a hash that does not decode", () => {
    expectValidation(() => positionFromHash({ qty: "1", avgPrice: "1" }), "symbol");
    expectValidation(() => positionFromHash({ symbol: "A", avgPrice: "1" }), "qty");
    expectValidation(() => positionFromHash({ symbol: "A", qty: "x", avgPrice: "1" }), "qty", "x");
    expectValidation(() => positionFromHash({ symbol: "A", qty: "1", avgPrice: "-1" }), "avgPrice", "-1");
    expectValidation(
      () => positionFromHash({ symbol: "A", qty: "1", avgPrice: "1", updatedAt: "nope" }),
      "updatedAt",
    );
    expectValidation(() => positionFromHash({ symbol: "A", qty: 1 as never, avgPrice: "1" }), "qty", 1);
    expectValidation(() => positionFromHash({}), "symbol");
    expect(() => positionFromHash(null as never)).toThrow(ValidationError);
  });
});

describe("ledger codec", () => {
  it("round-trips random entries exactly (property)", () => {
    fc.assert(
      fc.property(ledgerArb, (input) => {
        const e: LedgerEntry = ledgerEntry(input);
        const h = ledgerEntryToHash(e);
        expect(Object.keys(h)).toEqual([...LEDGER_FIELDS]);
        expect(h.id).toBe(input.id === null ? "" : String(input.id));
        expectPlainDecimals(h, e, DECIMAL_FIELDS.ledger);
        expectSameRecord(ledgerEntryFromHash(h), e);
      }),
      RUNS,
    );
  });

  it("rejects bad ids and sides in a hash", () => {
    const h = ledgerEntryToHash(
      ledgerEntry({ timestamp: new Date(0), symbol: "A", side: "BUY", qty: 1, price: 1, amount: 1 }),
    );
    expectValidation(() => ledgerEntryFromHash({ ...h, id: "x" }), "id", "x");
    expectValidation(() => ledgerEntryFromHash({ ...h, id: "-1" }), "id", "-1");
    expectValidation(() => ledgerEntryFromHash({ ...h, id: "0" }), "id", 0);
    expectValidation(() => ledgerEntryFromHash({ ...h, side: "buy" }), "side", "buy");
    expectValidation(() => ledgerEntryFromHash({ ...h, qty: "0" }), "qty", "0");
  });
});

describe("OHLCV codec", () => {
  it("round-trips random bars exactly (property)", () => {
    fc.assert(
      fc.property(barArb, (input) => {
        const b: OHLCV = ohlcv(input);
        const h = ohlcvToHash(b);
        expect(Object.keys(h)).toEqual([...OHLCV_FIELDS]);
        expect(h.volume).toBe(String(input.volume));
        expectPlainDecimals(h, b, DECIMAL_FIELDS.ohlcv);
        expectSameRecord(ohlcvFromHash(h), b);
      }),
      RUNS,
    );
  });

  it("decoding re-checks the bar's rules", () => {
    const h = ohlcvToHash(ohlcv({ time: 0, symbol: "A", open: 2, high: 3, low: 1, close: 2, volume: 5 }));
    expectValidation(() => ohlcvFromHash({ ...h, low: "2.5" }), "low", "2.5");
    expectValidation(() => ohlcvFromHash({ ...h, volume: "1.5" }), "volume", "1.5");
    expectValidation(() => ohlcvFromHash({ ...h, time: "" }), "time", "");
  });
});

describe("tick codec", () => {
  it("round-trips random ticks exactly (property)", () => {
    fc.assert(
      fc.property(tickArb, (input) => {
        const t: TickData = tick(input);
        const h = tickToHash(t);
        expect(Object.keys(h)).toEqual([...TICK_FIELDS]);
        expectPlainDecimals(h, t, DECIMAL_FIELDS.tick);
        expectSameRecord(tickFromHash(h), t);
      }),
      RUNS,
    );
  });

  it("encodes missing bid/ask as empty strings", () => {
    const h = tickToHash(tick({ time: 0, symbol: "A", price: "1e-12", volume: 1 }));
    expect(h).toEqual({
      time: "1970-01-01T00:00:00.000Z",
      symbol: "A",
      price: "0.000000000001",
      volume: "1",
      bid: "",
      ask: "",
      source: "",
    });
    expect(tickFromHash(h).bid).toBeNull();
  });
});

describe("codecs with the spec's example values", () => {
  it.each(["0.1", "12345678901234567890.123456789", "1e-12", "-0.000001", "123456789012345678901234567890"])(
    "position qty %s comes back equal",
    (qty) => {
      const p: Position = position({ symbol: "X", qty, avgPrice: "1" });
      const back = positionFromHash(positionToHash(p));
      expect(back.qty.eq(new Decimal(qty))).toBe(true);
    },
  );
});
