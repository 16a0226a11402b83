import type { SheetsApi } from "./client.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Paces write requests to a per-minute quota: a token bucket (`perMinute` tokens a minute, a small burst)
 * plus a log of the requests sent in the last window, so no window of `windowMs` (a minute plus a margin for
 * network jitter) ever holds more than `perMinute` requests, however Google aligns its minute.
 */
export class QuotaPacer {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt = Date.now();
  readonly #sent: number[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly perMinute: number,
    readonly windowMs = 61_000,
  ) {
    if (!(perMinute > 0) || !Number.isFinite(perMinute))
      throw new RangeError(`writeRequestsPerMinute must be a positive number, got ${perMinute}`);
    this.#rate = perMinute / 60_000;
    this.#burst = Math.max(1, Math.floor(perMinute / 10));
    this.#tokens = this.#burst;
  }

  /** Resolves when one request may be sent, and counts it. Callers are served in order. */
  take(): Promise<void> {
    const turn = this.#chain.then(() => this.#waitFor(true));
    this.#chain = turn.catch(() => undefined);
    return turn;
  }

  /** Resolves when a request could be sent (without taking it): lets writes pile up for one flush. */
  async ready(): Promise<void> {
    await this.#chain;
    await this.#waitFor(false);
  }

  async #waitFor(take: boolean): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilledAt) * this.#rate);
      this.#refilledAt = now;
      while ((this.#sent[0] ?? Number.POSITIVE_INFINITY) <= now - this.windowMs) this.#sent.shift();
      let wait = this.#tokens >= 1 ? 0 : (1 - this.#tokens) / this.#rate;
      if (this.#sent.length >= this.perMinute)
        wait = Math.max(wait, (this.#sent[0] ?? now) + this.windowMs - now);
      if (wait <= 0) {
        if (take) {
          this.#tokens -= 1;
          this.#sent.push(now);
        }
        return;
      }
      await sleep(Math.ceil(wait));
    }
  }
}

/** The API with every write request (append, values.batchUpdate, addSheet) paced; reads are not. */
export function pacedApi(api: SheetsApi, pacer: QuotaPacer, onWrite: () => void): SheetsApi {
  return {
    getTabs: api.getTabs,
    batchGet: api.batchGet,
    async addTabs(titles, timeoutMs) {
      await pacer.take();
      onWrite();
      return api.addTabs(titles, timeoutMs);
    },
    async batchUpdate(data, timeoutMs) {
      if (data.length === 0) return;
      await pacer.take();
      onWrite();
      return api.batchUpdate(data, timeoutMs);
    },
    async append(range, values, timeoutMs) {
      await pacer.take();
      onWrite();
      return api.append(range, values, timeoutMs);
    },
  };
}
