import { Decimal } from "@qts/contracts";

/** A position's quantity (negative = short) and average entry price. */
export interface Book {
  readonly qty: Decimal;
  readonly avgPrice: Decimal;
}

export const FLAT: Book = Object.freeze({ qty: new Decimal(0), avgPrice: new Decimal(0) });

/** Arithmetic with enough significant digits that no product or quotient of stored values is cut short. */
const Exact = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN });

/** Decimal places the average price is rounded to (half-even) after each fill. */
export const AVG_PRICE_DP = 10;

/**
 * Applies one fill to a position, in exact decimal arithmetic:
 * - adding to a position (or opening one): qty grows, avgPrice becomes the size-weighted average;
 * - reducing it: qty shrinks, avgPrice stays (realised P&L is not tracked here);
 * - closing it exactly: qty 0 and avgPrice 0 (flat);
 * - crossing zero (long → short or short → long): the remainder opens at the fill price.
 */
export function applyFill(book: Book, side: "BUY" | "SELL", qty: Decimal.Value, price: Decimal.Value): Book {
  const q = new Exact(qty);
  const p = new Exact(price);
  if (q.lte(0)) throw new RangeError(`fill qty must be > 0 (got ${q.toFixed()})`);
  const delta = side === "BUY" ? q : q.neg();
  const held = new Exact(book.qty);
  const next = held.plus(delta);
  const out = (qty: Decimal, avgPrice: Decimal): Book =>
    Object.freeze({ qty: new Decimal(qty), avgPrice: new Decimal(avgPrice) });
  if (held.isZero() || held.isNegative() === delta.isNegative()) {
    const avg = held.abs().mul(book.avgPrice).plus(q.mul(p)).div(next.abs());
    return out(next, avg.toDecimalPlaces(AVG_PRICE_DP, Decimal.ROUND_HALF_EVEN));
  }
  if (next.isZero()) return FLAT;
  if (next.isNegative() === held.isNegative()) return out(next, book.avgPrice);
  return out(next, p);
}
