import {
  CacheType,
  type DataSourceAdapter,
  DataSourceError,
  type Position,
  type PositionUpdate,
  positionToHash,
} from "@qts/contracts";
import type { GuardedCache } from "./guarded-cache.js";
import { KeyedSerializer, SingleFlight } from "./keyed-tasks.js";
import { PositionMemo } from "./position-memo.js";
import { assertDbWritable, type SharedState } from "./shared-state.js";

const { POSITION } = CacheType;

/**
 * Positions: cache-aside reads with single flight, write-through fills serialized per symbol, and
 * invalidations that take part in the same per-symbol order. Symbols arrive validated.
 */
export class PositionCache {
  readonly #g: GuardedCache;
  readonly #db: DataSourceAdapter;
  readonly #prefix: string;
  readonly #s: SharedState;
  readonly #flights = new SingleFlight<Position | null>();
  readonly #writes = new KeyedSerializer();
  /** symbol → generation, bumped by every write/invalidation (stops stale cache-aside fills). */
  readonly #generation = new Map<string, number>();
  readonly #memo = new PositionMemo();

  constructor(g: GuardedCache, db: DataSourceAdapter, prefix: string, state: SharedState) {
    this.#g = g;
    this.#db = db;
    this.#prefix = prefix;
    this.#s = state;
  }

  async get(sym: string): Promise<Position | null> {
    if (!this.#s.policy.cacheEnabled) return this.#load(sym, false, false);
    const hash = await this.#g.read(POSITION, this.#prefix + sym, undefined);
    if (hash === undefined) return this.#load(sym, false, false);
    if (hash === null) return this.#load(sym, true, false);
    const decoded = this.#memo.decode(sym, hash);
    if (decoded !== null) return decoded;
    this.#g.undecodable(POSITION);
    return this.#load(sym, true, true);
  }

  write(update: PositionUpdate): Promise<boolean> {
    this.#bump(update.symbol);
    return this.#writes.run(update.symbol, () => this.#writeThrough(update));
  }

  /** Deletes the cached position in the symbol's write order (and stops fills that read before it). */
  invalidate(sym: string): Promise<boolean> {
    this.#bump(sym);
    return this.#writes.run(sym, () => this.#g.delete(POSITION, this.#prefix + sym));
  }

  /** Settles when every queued write has settled. */
  idle(): Promise<void> {
    return this.#writes.idle();
  }

  async #writeThrough(update: PositionUpdate): Promise<boolean> {
    const s = this.#s;
    assertDbWritable(s); // the state may have changed while this write was queued
    const sym = update.symbol;
    const ok = await this.#db.updatePosition(sym, update.qty, update.avgPrice);
    if (ok !== true) {
      throw new DataSourceError(`${this.#db.name}: updatePosition(${sym}) did not confirm the write`, {
        source: this.#db.name,
      });
    }
    if (!s.policy.cacheEnabled) return true;
    const key = this.#prefix + sym;
    if (this.#g.circuitOpen) {
      this.#g.remember(key); // no cache call while OPEN: pending (not served) until the probe deletes it
      return true;
    }
    let fresh: Position | null = null;
    try {
      fresh = await this.#db.fetchPosition(sym);
    } catch {
      fresh = null; // cannot read it back: drop the cached copy instead
    }
    if (fresh !== null && s.policy.cacheWritable && s.policy.cacheEnabled) {
      if (await this.#g.trySet(POSITION, key, positionToHash(fresh), s.ttl.position)) return true;
    }
    if (s.policy.cacheEnabled) await this.#g.tryDelete(POSITION, key);
    return true;
  }

  #load(sym: string, fill: boolean, badKey: boolean): Promise<Position | null> {
    return this.#flights.run(sym, async () => {
      const generation = this.#generation.get(sym) ?? 0;
      const found = await this.#db.fetchPosition(sym);
      const s = this.#s;
      if (
        (fill || badKey) &&
        !s.closing &&
        s.policy.cacheEnabled &&
        !this.#writes.busy(sym) &&
        (this.#generation.get(sym) ?? 0) === generation
      ) {
        const key = this.#prefix + sym;
        if (found !== null && s.policy.cacheWritable) {
          const hash = positionToHash(found);
          await this.#writes.run(sym, () => this.#g.trySet(POSITION, key, hash, s.ttl.position));
        } else if (badKey) {
          await this.#writes.run(sym, () => this.#g.tryDelete(POSITION, key));
        }
      }
      return found;
    });
  }

  #bump(sym: string): void {
    this.#generation.set(sym, (this.#generation.get(sym) ?? 0) + 1);
    this.#flights.forget(sym);
  }
}
