import { errorMessage } from "@qts/contracts/internal";
/** The first few errors a stage saw, as `what: message` lines for the summary. */
export class ErrorNotes {
  readonly #limit: number;
  readonly #lines: string[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Keeps `what: message` while fewer than the limit are kept; later errors are dropped. */
  note(what: string, err: unknown): void {
    if (this.#lines.length < this.#limit) this.#lines.push(`${what}: ${errorMessage(err)}`);
  }

  /** The kept lines, oldest first. */
  get lines(): string[] {
    return this.#lines;
  }
}
