import { POSITION_FIELDS, type Position } from "@qts/contracts";
import { decodePosition } from "./helpers.js";

interface Memo {
  readonly hash: Readonly<Record<string, string>>;
  readonly position: Position;
}

/**
 * Remembers the last decoded position per symbol with the hash it came from. Decoding builds five Decimals
 * and a Date (~3 µs); comparing the eight codec fields of a fresh HGETALL reply is ~20x cheaper, and the
 * decoded `Position` is immutable, so a hit on an unchanged entry returns the same frozen object.
 * Bounded: cleared when it holds more than `limit` symbols.
 */
export class PositionMemo {
  readonly #memo = new Map<string, Memo>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  /** The position the hash decodes to, or null when it does not decode (or is another symbol's). */
  decode(symbol: string, hash: Readonly<Record<string, string>>): Position | null {
    const memo = this.#memo.get(symbol);
    if (memo !== undefined && (memo.hash === hash || sameFields(memo.hash, hash))) return memo.position;
    const position = decodePosition(hash, symbol);
    if (position === null) return null;
    if (this.#memo.size >= this.#limit) this.#memo.clear();
    this.#memo.set(symbol, { hash, position });
    return position;
  }

  clear(): void {
    this.#memo.clear();
  }
}

function sameFields(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  for (const field of POSITION_FIELDS) if (a[field] !== b[field]) return false;
  return true;
}
