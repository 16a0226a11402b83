import {
  CacheType,
  type Clock,
  type DataSourceAdapter,
  DataSourceError,
  type Fill,
  type FillResult,
  KeyedSerializer,
  type Position,
  type PositionUpdate,
  positionToHash,
} from "@qts/contracts";
import type { GuardedCache } from "./guarded-cache.js";
import type { NearCache } from "./near-cache.js";
import { PositionMemo } from "./position-memo.js";
import { assertDbWritable, type SharedState } from "./shared-state.js";
import { SingleFlight } from "./single-flight.js";

const { POSITION } = CacheType;

/**
 * Positions per pipeline of `warm`: 1,000 script calls take ~15 ms of server time, well inside a command
 * timeout; 10,000 in one pipeline overran the 100 ms default on the loaded test machine.
 */
const WARM_BATCH = 1000;

/**
 * Positions: cache-aside reads with single flight, write-through fills serialized per symbol, and
 * invalidations that take part in the same per-symbol order. Symbols arrive validated. Every cache write of a
 * position carries its `version` (`setIfNewer` on a versioned client), so no interleaving of processes leaves
 * the cache older than the store; the near cache (when on) is dropped before and after each write.
 */
export class PositionCache {
  readonly #guarded: GuardedCache;
  readonly #db: DataSourceAdapter;
  readonly #prefix: string;
  readonly #shared: SharedState;
  readonly #flights = new SingleFlight<Position | null>();
  readonly #writes = new KeyedSerializer();
  /** symbol → generation, bumped by every write/invalidation (stops stale cache-aside fills). */
  readonly #generation = new Map<string, number>();
  readonly #memo = new PositionMemo();
  readonly #near: NearCache | null;
  readonly #clock: Clock;

  constructor(
    g: GuardedCache,
    db: DataSourceAdapter,
    prefix: string,
    state: SharedState,
    near: NearCache | null,
    clock: Clock,
  ) {
    this.#guarded = g;
    this.#db = db;
    this.#prefix = prefix;
    this.#shared = state;
    this.#near = near;
    this.#clock = clock;
  }

  async get(sym: string): Promise<Position | null> {
    if (!this.#shared.policy.cacheEnabled) return this.#load(sym, false, false);
    const near = this.#near;
    if (near?.active) return this.#getFilling(sym, near);
    const hash = await this.#guarded.read(POSITION, this.#prefix + sym, undefined);
    if (hash === undefined) return this.#load(sym, false, false);
    if (hash === null) return this.#load(sym, true, false);
    const decoded = this.#memo.decode(sym, hash);
    if (decoded !== null) return decoded;
    this.#guarded.undecodable(POSITION);
    return this.#load(sym, true, true);
  }

  /** A read from Redis (with the entry's remaining TTL) that fills the near cache. */
  async #getFilling(sym: string, near: NearCache): Promise<Position | null> {
    const key = this.#prefix + sym;
    const seq = near.seq;
    const started = this.#clock.now();
    const found = await this.#guarded.readWithTtl(POSITION, key, undefined);
    if (found === undefined) return this.#load(sym, false, false);
    if (found === null) return this.#load(sym, true, false);
    const decoded = this.#memo.decode(sym, found.hash);
    if (decoded === null) {
      this.#guarded.undecodable(POSITION);
      return this.#load(sym, true, true);
    }
    near.put(sym, decoded, started + found.ttlMs, seq);
    return decoded;
  }

  write(update: PositionUpdate): Promise<boolean> {
    this.#bump(update.symbol);
    return this.#writes.run(update.symbol, () => this.#writeThrough(update));
  }

  /**
   * Books a fill with the store's `applyFill` (its typed errors reject the call, the cache is untouched), then
   * writes the returned position through (versioned), in the symbol's write order. A duplicate is written too:
   * the store's current position can only be as new as the cached one or newer.
   */
  applyFill(fill: Fill): Promise<FillResult> {
    this.#bump(fill.symbol);
    return this.#writes.run(fill.symbol, async () => {
      assertDbWritable(this.#shared); // the state may have changed while this fill was queued
      const result = await this.#db.applyFill(fill);
      // A read that started before this commit must not answer anyone who asks after it: a new flight.
      this.#bump(fill.symbol);
      await this.#cacheOrDrop(fill.symbol, result.position);
      return result;
    });
  }

  /**
   * Preloads `positions` (already read from the store in one query) into the cache with one pipelined
   * versioned write per 1,000 positions; resolves to how many entries were applied (an entry the cache holds newer is not).
   */
  async warm(positions: readonly Position[]): Promise<number> {
    const s = this.#shared;
    if (positions.length === 0 || !s.policy.cacheEnabled || !s.policy.cacheWritable) return 0;
    const entries = positions.map((p) => [this.#prefix + p.symbol, positionToHash(p), p.version] as const);
    for (const p of positions) this.#bump(p.symbol);
    for (const p of positions) this.#near?.drop(p.symbol);
    try {
      let applied = 0;
      for (let i = 0; i < entries.length; i += WARM_BATCH) {
        applied += await this.#guarded.setMany(POSITION, entries.slice(i, i + WARM_BATCH), s.ttl.position);
      }
      return applied;
    } finally {
      for (const p of positions) this.#near?.drop(p.symbol);
    }
  }

  /** Deletes the cached position in the symbol's write order (and stops fills that read before it). */
  invalidate(sym: string): Promise<boolean> {
    this.#bump(sym);
    const key = this.#prefix + sym;
    return this.#writes.run(sym, async () => {
      this.#near?.drop(sym);
      try {
        return await this.#guarded.delete(POSITION, key);
      } finally {
        this.#near?.drop(sym);
      }
    });
  }

  /** Settles when every queued write has settled. */
  idle(): Promise<void> {
    return this.#writes.idle();
  }

  async #writeThrough(update: PositionUpdate): Promise<boolean> {
    const s = this.#shared;
    assertDbWritable(s); // the state may have changed while this write was queued
    const sym = update.symbol;
    const ok = await this.#db.updatePosition(sym, update.qty, update.avgPrice);
    if (ok !== true) {
      throw new DataSourceError(`${this.#db.name}: updatePosition(${sym}) did not confirm the write`, {
        source: this.#db.name,
      });
    }
    // A read that started before this commit must not answer anyone who asks after it: a new flight.
    this.#bump(sym);
    if (!s.policy.cacheEnabled) return true;
    if (this.#guarded.circuitOpen) {
      this.#guarded.remember(this.#prefix + sym); // no cache call while OPEN: pending until the probe deletes it
      return true;
    }
    let fresh: Position | null = null;
    try {
      fresh = await this.#db.fetchPosition(sym);
    } catch {
      fresh = null; // cannot read it back: drop the cached copy instead
    }
    await this.#cacheOrDrop(sym, fresh);
    return true;
  }

  /**
   * The write-through of `fresh` (the store's position): a versioned cache write; when it cannot be written
   * (none, a failed write) the cached copy is deleted instead; while OPEN the key is pending. Never rejects.
   */
  async #cacheOrDrop(sym: string, fresh: Position | null): Promise<void> {
    const s = this.#shared;
    if (!s.policy.cacheEnabled) return;
    const key = this.#prefix + sym;
    if (this.#guarded.circuitOpen) {
      this.#guarded.remember(key); // no cache call while OPEN: pending (not served) until the probe deletes it
      return;
    }
    const near = this.#near;
    near?.drop(sym);
    try {
      if (fresh !== null && s.policy.cacheWritable && s.policy.cacheEnabled) {
        const hash = positionToHash(fresh);
        if (await this.#guarded.trySet(POSITION, key, hash, s.ttl.position, fresh.version)) return;
      }
      if (s.policy.cacheEnabled) await this.#guarded.tryDelete(POSITION, key);
    } finally {
      near?.drop(sym);
    }
  }

  #load(sym: string, fill: boolean, badKey: boolean): Promise<Position | null> {
    return this.#flights.run(sym, async () => {
      const generation = this.#generation.get(sym) ?? 0;
      const found = await this.#db.fetchPosition(sym);
      const s = this.#shared;
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
          await this.#writes.run(sym, () =>
            this.#guarded.trySet(POSITION, key, hash, s.ttl.position, found.version),
          );
        } else if (badKey) {
          await this.#writes.run(sym, () => this.#guarded.tryDelete(POSITION, key));
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
