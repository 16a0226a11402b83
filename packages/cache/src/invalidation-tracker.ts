import { CacheUnavailableError, ValidationError, withTimeout } from "@qts/contracts";
import { errorMessage } from "@qts/contracts/internal";
import { Cluster, type Redis } from "ioredis";
import { DeadlineQueue } from "./deadline-queue.js";

/** The channel Redis publishes invalidations on when tracking redirects to a RESP2 connection. */
export const INVALIDATION_CHANNEL = "__redis__:invalidate";

export interface InvalidationTrackerEvents {
  /** Keys (without the namespace) another write may have changed; `null`: everything (FLUSHDB, FLUSHALL). */
  invalidate: (keys: readonly string[] | null) => void;
  /** Tracking stopped (a connection closed): drop every near-cache entry and bypass it until `tracking`. */
  lost: (reason: string) => void;
  /** Tracking is (again) in place: from now on every change under the namespace is reported. */
  tracking: () => void;
}

/** What the tracker needs of a cache client: its data connection and namespace (`RedisCacheClient` fits). */
export interface TrackedClient {
  readonly redis: Redis | Cluster;
  readonly namespace: string;
}

export interface RedisInvalidationTrackerOptions {
  /**
   * Every this many ms (default 1000) the invalidation connection is PINGed; no reply within the same time
   * (a hung server, a half-open connection) counts as lost: `lost` is emitted and the connection is made
   * again. The same tick retries setting tracking up while it is not in place. Setup steps are bounded by it.
   */
  heartbeatMs?: number | undefined;
  /** `start()` rejects when tracking is not in place within this many ms (default 5000; it keeps trying). */
  startTimeoutMs?: number | undefined;
}

type Listeners = { [E in keyof InvalidationTrackerEvents]: Set<InvalidationTrackerEvents[E]> };

/**
 * Redis server-assisted client-side caching in broadcast mode, for a near cache in front of a single Redis or
 * Sentinel (not Cluster: tracking is per node). A dedicated connection (a duplicate of the client's, so it
 * follows a Sentinel failover too) takes its `CLIENT ID` and `SUBSCRIBE __redis__:invalidate`; the client's
 * data connection then runs `CLIENT TRACKING ON REDIRECT <id> BCAST PREFIX <namespace>`, and every change to
 * a key under the namespace, by anyone, arrives as an `invalidate` event.
 *
 * Either connection closing (a server restart, `CLIENT KILL`, a network cut) emits `lost` at once; when both
 * are back (each reconnects by itself) and on the same server (same `run_id`) tracking is set up again and
 * `tracking` is emitted. A near cache must therefore be empty and bypassed from `lost` until `tracking`, and
 * keep only values read after `tracking`. It must also drop a value whose read was in flight when an
 * invalidation for its key arrived (the read may have been served before the change).
 *
 * Own writes are reported too: `NOLOOP` does not cover writes made by scripts on Redis 7.0 (measured on
 * 7.0.15: plain HSET and MULTI were skipped, EVAL/EVALSHA writes reported), and every write of the cache
 * client is a script; a near cache that updated itself on its own write loses that entry when the
 * invalidation arrives and reads it again from Redis. Tracking is keyed by name, across databases. The
 * tracker does not own the data connection: `close()` turns tracking off on it and closes only the
 * invalidation connection.
 */
export class RedisInvalidationTracker {
  readonly namespace: string;
  readonly #data: Redis;
  readonly #sub: Redis;
  readonly #startTimeoutMs: number;
  /** Bounds each heartbeat and each setup step. */
  readonly #deadlines: DeadlineQueue;
  readonly #heartbeat: NodeJS.Timeout;
  #beating = false;
  readonly #listeners: Listeners = { invalidate: new Set(), lost: new Set(), tracking: new Set() };
  /** The invalidation connection's id while it is subscribed (null: not subscribed on this connection). */
  #subId: number | null = null;
  #subRunId = "";
  #tracking = false;
  #closed = false;
  /** Bumped on every loss: an attempt that started before it must not report tracking. */
  #epoch = 0;
  #establishing: Promise<void> | null = null;
  #again = false;
  /** Why the last attempt to set tracking up failed (for `start()`'s message). */
  #lastFailure = "";
  readonly #detach: (() => void)[] = [];

  constructor(client: TrackedClient, options: RedisInvalidationTrackerOptions = {}) {
    if (client.redis instanceof Cluster) {
      throw new ValidationError(
        "client",
        "cluster",
        "invalidation tracking needs a single Redis or Sentinel: on Redis Cluster tracking is per node (not supported)",
      );
    }
    const startTimeoutMs = options.startTimeoutMs ?? 5000;
    if (!Number.isFinite(startTimeoutMs) || startTimeoutMs <= 0) {
      throw new ValidationError("startTimeoutMs", startTimeoutMs, "must be a positive number of ms");
    }
    this.#startTimeoutMs = startTimeoutMs;
    const heartbeatMs = options.heartbeatMs ?? 1000;
    if (!Number.isFinite(heartbeatMs) || heartbeatMs < 10) {
      throw new ValidationError("heartbeatMs", heartbeatMs, "must be a number of ms >= 10");
    }
    this.#deadlines = new DeadlineQueue(
      heartbeatMs,
      undefined,
      () => new Error(`no reply within ${heartbeatMs} ms`),
    );
    this.#heartbeat = setInterval(() => this.#beat(), heartbeatMs);
    this.#heartbeat.unref();
    this.namespace = client.namespace;
    this.#data = client.redis;
    this.#sub = this.#data.duplicate({
      autoResubscribe: false, // CLIENT ID must be read before each SUBSCRIBE (RESP2 allows nothing else after)
      enableAutoPipelining: false,
      connectionName: "qts-invalidation",
      lazyConnect: false,
    });
    this.#sub.on("error", () => {
      // reported through `lost`; ioredis reconnects by itself
    });
    this.#sub.on("messageBuffer", (channel: Buffer, message: unknown) => this.#onMessage(channel, message));
    this.#listen(this.#sub, "ready", () => this.#establish());
    this.#listen(this.#sub, "close", () => {
      this.#subId = null;
      this.#lose("invalidation connection closed");
    });
    this.#listen(this.#data, "ready", () => this.#establish());
    this.#listen(this.#data, "close", () => this.#lose("data connection closed"));
    this.#establish();
  }

  /** Whether tracking is in place now (invalidations are being delivered). */
  get tracking(): boolean {
    return this.#tracking;
  }

  /** The invalidation connection's `CLIENT ID` while subscribed, else null. */
  get clientId(): number | null {
    return this.#subId;
  }

  /** Adds a listener; returns the function that removes it. A throwing listener is ignored. */
  on<E extends keyof InvalidationTrackerEvents>(
    event: E,
    listener: InvalidationTrackerEvents[E],
  ): () => void {
    const set = this.#listeners[event] as Set<InvalidationTrackerEvents[E]>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Resolves once tracking is in place; rejects with `CacheUnavailableError` after `startTimeoutMs`. */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new CacheUnavailableError("invalidation tracker is closed"));
    if (this.#tracking) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(
          new CacheUnavailableError(
            `invalidation tracking not in place within ${this.#startTimeoutMs} ms ` +
              `(data ${this.#data.status}, invalidation connection ${this.#sub.status})` +
              (this.#lastFailure === "" ? "" : `: ${this.#lastFailure}`),
          ),
        );
      }, this.#startTimeoutMs);
      const off = this.on("tracking", () => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /**
   * Turns tracking off on the data connection (if connected) and closes the invalidation connection
   * (waiting for it to end at most the connect timeout). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#deadlines.close();
    for (const detach of this.#detach) detach();
    this.#tracking = false;
    if (this.#data.status === "ready") await this.#data.client("TRACKING", "OFF").catch(() => undefined);
    const ended =
      this.#sub.status === "end" ? Promise.resolve() : new Promise((r) => this.#sub.once("end", r));
    this.#sub.disconnect();
    // While reconnecting ioredis may never emit "end" after disconnect(): bounded, like RedisCacheClient.close.
    await withTimeout(ended, this.#data.options.connectTimeout ?? 1000);
  }

  #listen(conn: Redis, event: string, fn: () => void): void {
    conn.on(event, fn);
    this.#detach.push(() => conn.off(event, fn));
  }

  #emit<E extends keyof InvalidationTrackerEvents>(
    event: E,
    ...args: Parameters<InvalidationTrackerEvents[E]>
  ) {
    for (const listener of this.#listeners[event]) {
      try {
        (listener as (...a: typeof args) => void)(...args);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  #lose(reason: string): void {
    this.#epoch++;
    if (!this.#tracking) return;
    this.#tracking = false;
    this.#emit("lost", reason);
  }

  #onMessage(channel: Buffer, message: unknown): void {
    if (channel.toString() !== INVALIDATION_CHANNEL || !this.#tracking) return;
    if (message === null || !Array.isArray(message)) {
      this.#emit("invalidate", null);
      return;
    }
    const cut = this.namespace.length;
    this.#emit(
      "invalidate",
      message.map((key: Buffer) => key.toString().slice(cut)),
    );
  }

  /** PINGs the invalidation connection (no reply in time: lost, reconnect); retries setup while not tracking. */
  #beat(): void {
    if (this.#closed) return;
    if (!this.#tracking) this.#establish();
    if (this.#beating || this.#sub.status !== "ready" || this.#subId === null) return;
    this.#beating = true;
    this.#deadlines
      .wrap(this.#sub.ping())
      .catch((error: unknown) => {
        if (this.#closed) return;
        this.#subId = null;
        this.#lose(`invalidation connection unresponsive: ${errorMessage(error)}`);
        this.#sub.disconnect(true);
      })
      .finally(() => {
        this.#beating = false;
      });
  }

  /** Sets tracking up when both connections are ready; one attempt at a time, repeated if asked meanwhile. */
  #establish(): void {
    if (this.#closed) return;
    if (this.#establishing !== null) {
      this.#again = true;
      return;
    }
    this.#establishing = this.#deadlines
      .wrap(this.#attempt())
      .catch((error: unknown) => {
        this.#epoch++; // a timed-out attempt that completes late must not report tracking
        // the next `ready` of either connection tries again
        this.#lastFailure = errorMessage(error);
      })
      .finally(() => {
        this.#establishing = null;
        if (this.#again) {
          this.#again = false;
          this.#establish();
        }
      });
  }

  async #attempt(): Promise<void> {
    if (this.#tracking || this.#sub.status !== "ready" || this.#data.status !== "ready") return;
    const epoch = this.#epoch;
    if (this.#subId === null) {
      const id = Number(await this.#sub.client("ID"));
      this.#subRunId = runId(await this.#sub.info("server"));
      await this.#sub.subscribe(INVALIDATION_CHANNEL);
      this.#subId = id;
    }
    if (runId(await this.#data.info("server")) !== this.#subRunId) {
      // Not the same server (e.g. mid-failover): reconnect the invalidation connection and try again.
      this.#sub.disconnect(true);
      return;
    }
    const args = ["TRACKING", "ON", "REDIRECT", String(this.#subId), "BCAST"];
    if (this.namespace !== "") args.push("PREFIX", this.namespace);
    // OFF first: ON with a prefix the connection already tracks is an error, and the redirect may be stale.
    await this.#data.client("TRACKING", "OFF");
    await (this.#data.client as (...a: string[]) => Promise<unknown>)(...args);
    if (this.#closed || epoch !== this.#epoch || this.#subId === null) return;
    this.#tracking = true;
    this.#emit("tracking");
  }
}

function runId(info: string): string {
  return /^run_id:(\S+)/m.exec(info)?.[1] ?? "";
}
