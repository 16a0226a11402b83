import {
  CACHE_TYPES,
  type CacheType,
  EventType,
  effectiveTtlMs,
  isOperatingState,
  isSafetyState,
  type OperatingState,
  Priority,
  SAFETY_POLICY,
  SafetyState,
  ValidationError,
} from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import type { GuardedCache } from "./guarded-cache.js";
import type { ManagerEvents } from "./manager-events.js";
import type { NearCache } from "./near-cache.js";
import { assertOpen, type SharedState } from "./shared-state.js";
import type { StatsTable } from "./stats.js";

/** What the state control acts on: the manager's parts, shared by reference. */
export interface StateControlParts {
  readonly shared: SharedState;
  readonly guarded: GuardedCache;
  readonly stats: StatsTable;
  readonly events: ManagerEvents;
  /** Every near cache of the manager (none when it is off). */
  readonly near: readonly NearCache[];
  readonly namespace: string;
  readonly prefix: Readonly<Record<CacheType, string>>;
  readonly ttlOverridesMs: Readonly<Partial<Record<CacheType, number>>>;
  readonly flushTimeoutMs: number;
}

/**
 * The manager's safety and operating states and the flushes they cause: `SAFETY_POLICY[state]` applied at
 * once (LOCKDOWN flushes this manager's keys and clears the near cache), the TTL table of the operating state
 * (`effectiveTtlMs`), and `flush()`.
 */
export class StateControl {
  readonly #parts: StateControlParts;
  #operating: OperatingState;
  /** A LOCKDOWN flush failed: retried when LOCKDOWN is left. */
  #flushPending = false;

  constructor(parts: StateControlParts, operating: OperatingState) {
    this.#parts = parts;
    this.#operating = operating;
  }

  get operating(): OperatingState {
    return this.#operating;
  }

  /** Each type's TTL in the current operating state. */
  ttlTable(): Record<CacheType, number> {
    const table = {} as Record<CacheType, number>;
    for (const type of CACHE_TYPES)
      table[type] = effectiveTtlMs(type, this.#operating, this.#parts.ttlOverridesMs);
    return table;
  }

  /** Removes every key of this manager (see `CacheManager.flush`) and resets the stats. */
  async flush(): Promise<number> {
    assertOpen(this.#parts.shared);
    this.#clearNear();
    const removed = await this.#parts.guarded.flush(this.#flushPrefixes(), this.#parts.flushTimeoutMs);
    this.#clearNear();
    this.#parts.stats.reset();
    return removed;
  }

  async setSafety(state: SafetyState): Promise<void> {
    if (!isSafetyState(state)) throw new ValidationError("safetyState", state, "is not a SafetyState");
    const s = this.#parts.shared;
    assertOpen(s);
    const from = s.safety;
    if (from === state) return;
    s.safety = state;
    s.policy = SAFETY_POLICY[state];
    for (const n of this.#parts.near) n.setCacheEnabled(s.policy.cacheEnabled); // LOCKDOWN clears it
    let flushedKeys: number | null = null;
    let flushError = "";
    if (s.policy.flushOnEnter || (from === SafetyState.LOCKDOWN && this.#flushPending)) {
      try {
        flushedKeys = await this.#parts.guarded.flush(this.#flushPrefixes(), this.#parts.flushTimeoutMs);
        this.#parts.stats.reset();
        this.#flushPending = false;
      } catch (error) {
        this.#flushPending = true;
        flushError = errorMessage(error);
      }
    }
    this.#parts.events.publish(EventType.SAFETY_STATE_CHANGED, Priority.P1_HIGH, {
      from,
      to: state,
      flushedKeys,
      flushError,
    });
  }

  async setOperating(state: OperatingState): Promise<void> {
    if (!isOperatingState(state))
      throw new ValidationError("operatingState", state, "is not an OperatingState");
    assertOpen(this.#parts.shared);
    const from = this.#operating;
    if (from === state) return;
    this.#operating = state;
    this.#parts.shared.ttl = this.ttlTable();
    this.#parts.events.publish(EventType.OPERATING_STATE_CHANGED, Priority.P2_MEDIUM, {
      from,
      to: state,
      ttlMs: Object.freeze({ ...this.#parts.shared.ttl }),
    });
  }

  #clearNear(): void {
    for (const n of this.#parts.near) n.clear();
  }

  /**
   * A manager with its own namespace owns everything under it (one SCAN on Redis); with the default "" it
   * shares the client's namespace, so only the six cache-type prefixes are its keys.
   */
  #flushPrefixes(): string[] {
    return this.#parts.namespace === ""
      ? CACHE_TYPES.map((t) => this.#parts.prefix[t])
      : [this.#parts.namespace];
  }
}
