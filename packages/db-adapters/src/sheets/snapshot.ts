import type { ApiCell, TabKind } from "./layout.js";

interface Snapshot {
  /** Data rows: index i is sheet row i + 2. */
  rows: ApiCell[][];
  fetchedAt: number;
}

/**
 * The last known content of each tab. Reads use it while it is younger than `maxAgeMs`; concurrent refreshes
 * share one download; the adapter's own writes patch it in place (by row number, so patching twice is
 * harmless), and a download that overlapped a patch is not kept (it may lack the patched rows).
 */
export class TabSnapshots {
  readonly #tabs = new Map<TabKind, Snapshot>();
  readonly #inflight = new Map<TabKind, Promise<ApiCell[][]>>();
  readonly #version = new Map<TabKind, number>();

  constructor(private readonly download: (kind: TabKind) => Promise<ApiCell[][]>) {}

  /** The tab's rows, downloaded when missing or older than `maxAgeMs` (`Infinity`: any age). */
  async rows(kind: TabKind, maxAgeMs: number): Promise<ApiCell[][]> {
    const snap = this.#tabs.get(kind);
    if (snap && Date.now() - snap.fetchedAt <= maxAgeMs) return snap.rows;
    return this.refresh(kind);
  }

  /** Downloads the tab now (joining a download already running). */
  refresh(kind: TabKind): Promise<ApiCell[][]> {
    const running = this.#inflight.get(kind);
    if (running) return running;
    const version = this.#version.get(kind) ?? 0;
    const fetchedAt = Date.now();
    const p = this.download(kind)
      .then((rows) => {
        const copy = rows.map((r) => [...r]);
        if ((this.#version.get(kind) ?? 0) === version) this.#tabs.set(kind, { rows: copy, fetchedAt });
        return copy;
      })
      .finally(() => this.#inflight.delete(kind));
    this.#inflight.set(kind, p);
    return p;
  }

  /** Our own write landed: `values` now start at sheet row `row`, column index `col`. */
  patch(kind: TabKind, row: number, col: number, values: readonly (readonly string[])[]): void {
    this.#version.set(kind, (this.#version.get(kind) ?? 0) + 1);
    const snap = this.#tabs.get(kind);
    if (!snap) return;
    values.forEach((cells, i) => {
      const index = row - 2 + i;
      while (snap.rows.length <= index) snap.rows.push([]);
      const target = [...(snap.rows[index] ?? [])];
      cells.forEach((c, j) => {
        target[col + j] = c;
      });
      snap.rows[index] = target;
    });
  }

  /** Forgets a tab (its next read downloads it). */
  invalidate(kind: TabKind): void {
    this.#version.set(kind, (this.#version.get(kind) ?? 0) + 1);
    this.#tabs.delete(kind);
  }
}

/** First row number of an `updatedRange` such as `'ledger'!A5:K7`, or null. */
export function firstRowOf(updatedRange: string): number | null {
  const m = /!\$?[A-Z]+\$?(\d+)/.exec(updatedRange);
  return m?.[1] ? Number(m[1]) : null;
}
