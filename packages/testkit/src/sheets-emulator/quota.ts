/**
 * Google's per-minute request quotas as the Sheets v4 documentation describes them: read and write requests
 * are counted separately ("Write requests are calls to any method that changes a spreadsheet"), the quotas
 * are refilled every minute, and a request over the quota gets `429 RESOURCE_EXHAUSTED`.
 */
export interface QuotaOptions {
  /** Write requests allowed per window (default: unlimited). Google's default: 60 per minute per user. */
  writesPerMinute?: number | undefined;
  /** Read requests allowed per window (default: unlimited). Google's default: 60 per minute per user. */
  readsPerMinute?: number | undefined;
  /** Length of one quota window (default 60000 ms; tests may shorten it). Windows start at emulator start. */
  windowMs?: number | undefined;
}

/** The JSON error body Google sends for an exhausted quota (metric, limit and reason as Google names them). */
export function quotaErrorBody(kind: "read" | "write"): unknown {
  const Kind = kind === "read" ? "Read" : "Write";
  return {
    error: {
      code: 429,
      message: `Quota exceeded for quota metric '${Kind} requests' and limit '${Kind} requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.`,
      status: "RESOURCE_EXHAUSTED",
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "RATE_LIMIT_EXCEEDED",
          domain: "googleapis.com",
          metadata: {
            service: "sheets.googleapis.com",
            quota_metric: `sheets.googleapis.com/${kind}_requests`,
            quota_limit: `${Kind}RequestsPerMinutePerUser`,
            consumer: "projects/000000000000",
          },
        },
      ],
    },
  };
}

/** Fixed windows, refilled at each window start; counts only requests it admits. */
export class QuotaCounter {
  #opts: Required<{ [K in keyof QuotaOptions]: number }> = {
    writesPerMinute: Number.POSITIVE_INFINITY,
    readsPerMinute: Number.POSITIVE_INFINITY,
    windowMs: 60_000,
  };
  #window = -1;
  #reads = 0;
  #writes = 0;
  /** Requests refused with 429 so far. */
  rejected = 0;

  constructor(
    private readonly startedAt: number,
    opts: QuotaOptions = {},
  ) {
    this.set(opts);
  }

  set(opts: QuotaOptions): void {
    for (const [k, v] of Object.entries(opts) as [keyof QuotaOptions, number | undefined][]) {
      if (v === undefined) continue;
      if (!(v > 0)) throw new RangeError(`quota ${k} must be positive, got ${v}`);
      this.#opts[k] = v;
    }
  }

  /** Admits (and counts) a request, or returns which quota it exceeds. */
  admit(mutates: boolean, now = Date.now()): "read" | "write" | null {
    const window = Math.floor((now - this.startedAt) / this.#opts.windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#reads = 0;
      this.#writes = 0;
    }
    if (mutates) {
      if (this.#writes >= this.#opts.writesPerMinute) return this.#reject("write");
      this.#writes++;
    } else {
      if (this.#reads >= this.#opts.readsPerMinute) return this.#reject("read");
      this.#reads++;
    }
    return null;
  }

  #reject(kind: "read" | "write"): "read" | "write" {
    this.rejected++;
    return kind;
  }
}
