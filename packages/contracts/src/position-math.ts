import { Decimal } from "./decimal.js";
import { ValidationError } from "./errors.js";
import { type Fill, fill as validFill } from "./records/fill.js";
import { type Position, position } from "./records/position.js";

/** Decimal places `avgPrice` is rounded to (half-even) whenever a fill sets it. */
export const AVG_PRICE_DP = 10;

/** Sums, differences and products with no rounding (digits grow as needed; division never uses this). */
const Exact = Decimal.clone({ precision: 1e9 });

/** `d` as an integer mantissa and a decimal scale: d = mantissa / 10^scale. */
function scaled(d: Decimal): [bigint, number] {
  const text = d.toFixed();
  const negative = text.startsWith("-");
  const [int = "0", frac = ""] = (negative ? text.slice(1) : text).split(".");
  const mantissa = BigInt(int + frac);
  return [negative ? -mantissa : mantissa, frac.length];
}

/** `n / d` rounded half-even to `dp` decimal places, computed exactly in integers (no precision limit). */
export function divideHalfEven(n: Decimal, d: Decimal, dp: number): Decimal {
  if (d.isZero()) throw new RangeError("division by zero");
  const [nm, ns] = scaled(n);
  const [dm, ds] = scaled(d);
  let num = nm * 10n ** BigInt(ds + dp);
  let den = dm * 10n ** BigInt(ns);
  const negative = num < 0n !== den < 0n && num !== 0n;
  if (num < 0n) num = -num;
  if (den < 0n) den = -den;
  let q = num / den;
  const twice = (num % den) * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(dp + 1, "0");
  const text = dp === 0 ? digits : `${digits.slice(0, -dp)}.${digits.slice(-dp)}`;
  const out = new Decimal(`${negative ? "-" : ""}${text}`);
  return out.isZero() ? new Decimal(0) : out;
}

/** `d` rounded half-even to `AVG_PRICE_DP` places. */
function roundAvg(d: Decimal): Decimal {
  return divideHalfEven(d, new Decimal(1), AVG_PRICE_DP);
}

/** An exact result back in the package's Decimal class (a copy of the digits, no rounding); -0 → 0. */
function plain(d: Decimal): Decimal {
  return d.isZero() ? new Decimal(0) : new Decimal(d);
}

/**
 * The position after one fill — the one definition of position arithmetic every store and the replay use.
 * Pure; exact decimals (average cost):
 * - opening or adding (same direction): qty grows, avgPrice = size-weighted average of the held and filled
 *   quantities;
 * - reducing: avgPrice unchanged, `realizedPnl += (price − avgPrice) × closedQty` for a long,
 *   `(avgPrice − price) × closedQty` for a short;
 * - closing exactly: qty 0 and avgPrice 0 (the row stays, flat), P&L realised as above;
 * - crossing zero: the whole old side is closed (realised) and the remainder opens at the fill price.
 * avgPrice is rounded half-even to 10 decimal places whenever a fill sets it; qty and realizedPnl are exact.
 * Fees are not in realizedPnl (they stay in the ledger). `version` + 1; `updatedAt` = `updatedAt` (default
 * the fill's timestamp); market, exposures and unrealizedPnl of `prev` are kept.
 */
export function applyFillToPosition(prev: Position | null, f: Fill, updatedAt: Date = f.timestamp): Position {
  const v = validFill(f);
  if (prev !== null && prev.symbol !== v.symbol)
    throw new ValidationError("symbol", v.symbol, `does not match the position's symbol ${prev.symbol}`);
  const held = new Exact(prev?.qty ?? 0);
  const avg = new Exact(prev?.avgPrice ?? 0);
  const price = new Exact(v.price);
  const delta = v.side === "BUY" ? new Exact(v.qty) : new Exact(v.qty).neg();
  const next = held.plus(delta);
  let realized = new Exact(prev?.realizedPnl ?? 0);
  let nextAvg: Decimal;
  if (held.isZero() || held.isNegative() === delta.isNegative()) {
    // Opening or adding: size-weighted average of |held| at avg and qty at price.
    nextAvg = divideHalfEven(
      held.abs().times(avg).plus(new Exact(v.qty).times(price)),
      next.abs(),
      AVG_PRICE_DP,
    );
  } else {
    // Reducing, closing or crossing: the closed part realises against avg.
    const closed = Decimal.min(held.abs(), v.qty);
    const perUnit = held.isNegative() ? avg.minus(price) : price.minus(avg);
    realized = realized.plus(perUnit.times(closed));
    if (next.isZero()) nextAvg = new Decimal(0);
    else if (next.isNegative() === held.isNegative()) nextAvg = new Decimal(avg);
    else nextAvg = roundAvg(price);
  }
  return position({
    ...(prev ?? { market: "", exposureValue: 0, exposurePct: 0, unrealizedPnl: 0 }),
    symbol: v.symbol,
    qty: plain(next),
    avgPrice: plain(nextAvg),
    realizedPnl: plain(realized),
    version: (prev?.version ?? 0) + 1,
    updatedAt,
  });
}

/** The position a sequence of fills builds from `start` (default: none), fold of `applyFillToPosition`. */
export function foldFills(fills: Iterable<Fill>, start: Position | null = null): Position | null {
  let p = start;
  for (const f of fills) p = applyFillToPosition(p, f);
  return p;
}
