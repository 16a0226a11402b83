import { CacheUnavailableError } from "@qts/contracts";
import type { Cluster, Redis } from "ioredis";

/**
 * Whether a call may go out on an ioredis connection: at once when connected; before the very first
 * connection after waiting up to the connect timeout (one shared wait); otherwise a `CacheUnavailableError`
 * naming the status and the last connection error.
 */
export class ConnectionGate {
  readonly #client: Redis | Cluster;
  readonly #connectTimeoutMs: number;
  #everReady = false;
  #readyWaiter: Promise<boolean> | null = null;
  #lastError: Error | null = null;

  constructor(client: Redis | Cluster, connectTimeoutMs: number) {
    this.#client = client;
    this.#connectTimeoutMs = connectTimeoutMs;
    client.on("ready", () => {
      this.#everReady = true;
    });
    // Without a listener ioredis prints every connection error; keep the last one for messages.
    client.on("error", (error: Error) => {
      this.#lastError = error;
    });
  }

  /** Rejects at once unless connected (or `closed`); before the first connection waits for it. */
  async ensureReady(operation: string, closed: boolean): Promise<void> {
    if (closed) throw new CacheUnavailableError(`Redis ${operation} failed: client is closed`);
    const status = this.#client.status;
    if (status === "ready") return;
    if (!this.#everReady && status !== "end" && status !== "close") {
      this.#readyWaiter ??= this.#waitReady().finally(() => {
        this.#readyWaiter = null;
      });
      if (await this.#readyWaiter) return;
    }
    const cause = this.#lastError;
    throw new CacheUnavailableError(
      `Redis ${operation} failed: not connected (${this.#client.status})${cause ? `: ${cause.message}` : ""}`,
      cause ? { cause } : undefined,
    );
  }

  #waitReady(): Promise<boolean> {
    return new Promise((resolve) => {
      const client = this.#client;
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        client.off("ready", onReady);
        resolve(client.status === "ready");
      }, this.#connectTimeoutMs);
      client.once("ready", onReady);
    });
  }
}
