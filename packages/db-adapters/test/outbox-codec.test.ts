import { fill, ledgerEntry, ohlcv, position, tick, ValidationError } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { decodeOp, encodeOp } from "../src/replication/outbox-codec.js";

describe("outbox payload codec", () => {
  it("round-trips every write kind exactly (decimals as plain strings, dates to the millisecond)", async () => {
    const entry = ledgerEntry({
      timestamp: Date.UTC(2024, 0, 2, 9, 30, 0, 7),
      symbol: "BRK.A",
      side: "SELL",
      qty: "0.000000000001",
      price: "12345678901234567890.123456789",
      amount: "0.000000012345678901234567890123456789",
      fee: "1e-20",
      orderId: "o-1",
      fillId: "F-1",
    });
    const pos = position({
      symbol: "BRK.A",
      qty: "-1e-12",
      avgPrice: "99999999999999999999.5",
      realizedPnl: "-3.25",
      version: 7,
    });
    const bar = ohlcv({
      time: Date.UTC(2024, 0, 2),
      symbol: "X",
      open: "1.1",
      high: "2e3",
      low: "0.5",
      close: "1.25",
      volume: 9,
    });
    const t = tick({
      time: Date.UTC(2024, 0, 2, 0, 0, 0, 1),
      symbol: "X",
      price: "1e-12",
      volume: 3,
      bid: null,
      ask: "2",
    });
    const round = (op: Parameters<typeof encodeOp>[0]) => {
      const e = encodeOp(op);
      expect(e.payload).not.toMatch(/e[+-]?\d/); // no exponent notation in the stored JSON
      return decodeOp(e.kind, JSON.parse(e.payload));
    };
    const l = round({ kind: "ledger", entry });
    expect(l.kind === "ledger" && l.entry).toEqual({ ...entry, id: null });
    const p = round({ kind: "putPosition", position: pos });
    expect(p.kind === "putPosition" && p.position).toEqual(pos);
    const u = round({ kind: "position", symbol: "X", qty: pos.qty, avgPrice: pos.avgPrice });
    expect(u.kind === "position" && [u.qty.toFixed(), u.avgPrice.toFixed()]).toEqual([
      pos.qty.toFixed(),
      pos.avgPrice.toFixed(),
    ]);
    const b = round({ kind: "ohlcv", bars: [bar], interval: "1m" });
    expect(b.kind === "ohlcv" && [b.bars, b.interval]).toEqual([[bar], "1m"]);
    const k = round({ kind: "ticks", ticks: [t] });
    expect(k.kind === "ticks" && k.ticks).toEqual([t]);
    const f = fill({
      fillId: "F-1",
      symbol: "BRK.A",
      side: "SELL",
      qty: "1",
      price: "2",
      timestamp: new Date(0),
    });
    const fr = round({ kind: "fill", result: { position: pos, entry } });
    expect(fr.kind).toBe("fill");
    const booked = fr.kind === "fill" ? await fr.booked : null;
    expect(booked).toEqual({ position: pos, entry: { ...entry, id: null }, duplicate: false });
    expect(f.fillId).toBe(booked?.entry.fillId);
  });

  it("an unknown kind or an invalid record is a ValidationError (the relay drops it and flags a repair)", () => {
    expect(() => decodeOp("teleport", {})).toThrow(ValidationError);
    expect(() => decodeOp("position", { symbol: "X", qty: "1", avgPrice: "-1" })).toThrow(ValidationError);
  });
});
