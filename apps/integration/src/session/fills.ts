import { type Fill as BookedFill, Decimal, fill, type TickData } from "@qts/contracts";
import type { Prng } from "./prng.js";
import type { Fill } from "./types.js";

/**
 * Decides which ticks become fills. Deterministic for a given PRNG state: each tick draws once for
 * "fill or not", then side and size. Sides lean against the running position so books stay bounded and
 * the session exercises longs, shorts, flips and flat.
 */
export class FillPlanner {
  readonly #prng: Prng;
  readonly #rate: number;
  readonly #prefix: string;
  readonly #exposure = new Map<string, number>();
  readonly #lastTime = new Map<string, number>();
  #seq = 0;

  constructor(prng: Prng, fillRate: number, orderPrefix: string) {
    this.#prng = prng;
    this.#rate = fillRate;
    this.#prefix = orderPrefix;
  }

  get count(): number {
    return this.#seq;
  }

  maybeFill(t: TickData): Fill | null {
    if (this.#prng.next() >= this.#rate) return null;
    const held = this.#exposure.get(t.symbol) ?? 0;
    // P(BUY) falls as the position grows long, rises as it grows short.
    const pBuy = 0.5 - Math.max(-0.35, Math.min(0.35, held / 2000));
    const side = this.#prng.next() < pBuy ? "BUY" : "SELL";
    const fractional = this.#prng.next() < 0.1;
    const qty = fractional
      ? new Decimal(this.#prng.int(1, 99_999)).div(1000) // 0.001 .. 99.999
      : new Decimal(this.#prng.int(1, 100));
    const price = side === "BUY" ? (t.ask ?? t.price) : (t.bid ?? t.price);
    this.#exposure.set(t.symbol, held + (side === "BUY" ? 1 : -1) * qty.toNumber());
    // Ledger order is (timestamp, id): keep fill times strictly increasing per symbol so the ledger replays
    // in the same order whatever ids a store assigns.
    let ms = t.time.getTime();
    const last = this.#lastTime.get(t.symbol);
    if (last !== undefined && ms <= last) ms = last + 1;
    this.#lastTime.set(t.symbol, ms);
    this.#seq += 1;
    return Object.freeze({
      time: new Date(ms),
      symbol: t.symbol,
      side,
      qty,
      price,
      orderId: `${this.#prefix}-${String(this.#seq).padStart(6, "0")}`,
    });
  }
}

/**
 * The `@qts/contracts` fill that books a replayed fill: `fillId` = `<strategyTag>:<orderId>` (unique per run and
 * the same on every retry), no fee.
 */
export function bookableFill(f: Fill, extra: { strategyTag?: string; broker?: string } = {}): BookedFill {
  const tag = extra.strategyTag ?? "";
  return fill({
    fillId: tag === "" ? f.orderId : `${tag}:${f.orderId}`,
    orderId: f.orderId,
    symbol: f.symbol,
    side: f.side,
    qty: f.qty,
    price: f.price,
    timestamp: f.time,
    strategyTag: tag,
    broker: extra.broker ?? "",
  });
}
