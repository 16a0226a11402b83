/** A per-operation failure inside a batch that otherwise succeeded (e.g. a fillId booked before). */
export class Rejection {
  constructor(readonly error: unknown) {}
}

/**
 * Queues operations of one tab and flushes everything queued as one batch: while a flush runs (or waits for
 * the quota), new operations pile up for the next one. Each operation's promise settles with its batch.
 */
export class Coalescer<Op, R> {
  #pending: { op: Op; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  #running: Promise<void> | null = null;

  constructor(
    private readonly flush: (ops: Op[]) => Promise<(R | Rejection)[]>,
    private readonly ready: () => Promise<void> = async () => undefined,
  ) {}

  push(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ op, resolve, reject });
      if (!this.#running) this.#running = this.#loop();
    });
  }

  get queued(): number {
    return this.#pending.length;
  }

  async #loop(): Promise<void> {
    while (this.#pending.length > 0) {
      try {
        await this.ready();
      } catch {
        // ready() only paces; a failure there is the flush's to report.
      }
      const batch = this.#pending.splice(0);
      try {
        const results = await this.flush(batch.map((b) => b.op));
        for (const [i, b] of batch.entries()) {
          const r = results[i];
          if (r instanceof Rejection) b.reject(r.error);
          else b.resolve(r as R);
        }
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.#running = null;
  }

  /** Resolves when everything queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }
}
