/** Where progress is drawn: stderr by default, so `--json` output on stdout stays clean. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Nothing is drawn before this much time has passed (default 1000 ms): short work shows no bar. */
  delayMs?: number;
  /** Off entirely (`--quiet`, `--json` on a non-TTY). */
  enabled?: boolean;
  /** Interval of plain lines on a non-TTY (default 5000 ms). */
  plainEveryMs?: number;
  now?: () => number;
}

const WIDTH = 28;

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/**
 * A small progress bar. On a TTY it redraws one line (`\r`) at most every 100 ms; on a non-TTY it prints a
 * plain line every few seconds. Either way nothing appears for work shorter than `delayMs`.
 */
export class Progress {
  readonly #stream: ProgressStream;
  readonly #delayMs: number;
  readonly #enabled: boolean;
  readonly #plainEveryMs: number;
  readonly #now: () => number;
  #label = "";
  #unit = "";
  #total = 0;
  #done = 0;
  #startedAt = 0;
  #lastDraw = 0;
  #drawn = false;
  #note = "";

  constructor(options: ProgressOptions = {}) {
    this.#stream = options.stream ?? process.stderr;
    this.#delayMs = options.delayMs ?? 1000;
    this.#enabled = options.enabled ?? true;
    this.#plainEveryMs = options.plainEveryMs ?? 5000;
    this.#now = options.now ?? (() => performance.now());
  }

  start(label: string, total: number, unit = ""): void {
    this.#label = label;
    this.#unit = unit;
    this.#total = Math.max(0, total);
    this.#done = 0;
    this.#startedAt = this.#now();
    this.#lastDraw = this.#startedAt;
    this.#drawn = false;
    this.#note = "";
  }

  /** A short status shown after the counts, e.g. `circuit OPEN`. */
  note(text: string): void {
    this.#note = text;
  }

  update(done: number): void {
    this.#done = Math.min(done, this.#total || done);
    if (!this.#enabled) return;
    const now = this.#now();
    if (now - this.#startedAt < this.#delayMs) return;
    const tty = this.#stream.isTTY === true;
    // TTY: first draw as soon as the delay passed, then at most every 100 ms. Otherwise: every plainEveryMs.
    const gap = tty ? (this.#drawn ? 100 : 0) : this.#plainEveryMs;
    if (now - this.#lastDraw < gap) return;
    this.#lastDraw = now;
    this.#drawn = true;
    this.#stream.write(tty ? `\r${this.#line(now)}\u001b[K` : `${this.#line(now)}\n`);
  }

  add(n: number): void {
    this.update(this.#done + n);
  }

  /** Ends the bar: on a TTY the line is cleared, so the summary starts on a clean line. */
  finish(): void {
    if (this.#enabled && this.#drawn && this.#stream.isTTY === true) this.#stream.write("\r\u001b[K");
    this.#drawn = false;
  }

  #line(now: number): string {
    const secs = (now - this.#startedAt) / 1000;
    const rate = secs > 0 ? this.#done / secs : 0;
    const frac = this.#total > 0 ? this.#done / this.#total : 0;
    const filled = Math.round(frac * WIDTH);
    const bar = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}]`;
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    const unit = this.#unit ? ` ${this.#unit}` : "";
    const note = this.#note ? `  ${this.#note}` : "";
    return `${this.#label} ${bar} ${pct} ${compact(this.#done)}/${compact(this.#total)}${unit} ${compact(rate)}/s${note}`;
  }
}
