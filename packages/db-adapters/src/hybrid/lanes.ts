import { ConflictError, type DataSourceAdapter } from "@qts/contracts";
import { copyPosition, ledgerKey } from "../replication/content.js";
import { applyOp, isPermanent, type QueuedOp, type SecondaryOp } from "./secondary-queue.js";

/** Most ticks replayed in one `appendTicks` when queued tick writes are merged. */
const MAX_TICK_BATCH = 5000;

/**
 * Which writes must reach the secondary in order: one symbol's position and fill writes; all bar writes
 * (upserts); all tick writes; identical ledger entries (each checks how many of its kind already landed, a
 * multiset two copies checking at once would both get wrong). Different lanes are delivered at once, so a
 * secondary that batches (Sheets: one request per tab per flush) gets a whole pass in a few requests.
 */
export function laneOf(op: SecondaryOp): string {
  switch (op.kind) {
    case "position":
      return `symbol:${op.symbol}`;
    case "putPosition":
      return `symbol:${op.position.symbol}`;
    case "fill":
      return `symbol:${op.fill?.symbol ?? op.symbol ?? ""}`;
    case "ledger":
      return `ledger:${ledgerKey(op.entry)}`;
    case "ohlcv":
      return "bars";
    case "ticks":
      return "ticks";
  }
}

/** What a pass of queued writes did. */
export interface PassOutcome {
  /** Writes that landed, or were rejected for good: they leave the queue. */
  readonly finished: Set<QueuedOp>;
  /** Writes the secondary rejected for good (`ValidationError`), with the error. */
  readonly rejected: { readonly item: QueuedOp; readonly error: unknown }[];
  /** The writes that failed with a retryable error in this pass (each heads its lane's rest). */
  readonly retrying: QueuedOp[];
  /** The first of their errors (meaningful when `retrying` is not empty). */
  failure: unknown;
}

/** A lane's first `done` writes landed; with `failed`, the write after them failed with `error`. */
interface LaneOutcome {
  readonly done: number;
  readonly failed: boolean;
  readonly error?: unknown;
}

/**
 * Delivers `items` (queued writes in the order the primary acknowledged them) to the secondary: each lane in
 * order, lanes at once. A lane stops at its first failure (later writes of it wait for the next pass).
 * `unsure`: a write failed since the queue was last empty, so a ledger or tick write first checks what landed.
 */
export async function deliverPass(
  items: readonly QueuedOp[],
  primary: DataSourceAdapter,
  secondary: DataSourceAdapter,
  unsure: boolean,
): Promise<PassOutcome> {
  const lanes = new Map<string, QueuedOp[]>();
  for (const item of items) {
    const key = laneOf(item.op);
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  const outcome: PassOutcome = {
    finished: new Set(),
    rejected: [],
    retrying: [],
    failure: undefined,
  };
  await Promise.all(
    [...lanes].map(async ([key, lane]) => {
      let result: LaneOutcome;
      try {
        result = key.startsWith("symbol:")
          ? await deliverSymbolLane(lane, secondary)
          : await deliverInOrder(lane, primary, secondary, unsure);
      } catch (error) {
        result = { done: 0, failed: true, error }; // not a write's failure: the lane is retried from its head
      }
      const { done, failed, error } = result;
      for (let i = 0; i < done; i++) outcome.finished.add(lane[i] as QueuedOp);
      if (!failed) return;
      const item = lane[done] as QueuedOp;
      if (isPermanent(error)) {
        outcome.finished.add(item);
        outcome.rejected.push({ item, error });
        return;
      }
      item.attempts++;
      if (outcome.retrying.length === 0) outcome.failure = error;
      outcome.retrying.push(item);
    }),
  );
  return outcome;
}

/** When a write that failed may be tried again: after its lane's backoff, cut to 50 ms while someone drains. */
export function dueOf(item: Pick<QueuedOp, "failedAt" | "retryAfterMs">, hurry: boolean): number {
  if (item.failedAt === undefined || item.retryAfterMs === undefined) return 0;
  return item.failedAt + (hurry ? Math.min(item.retryAfterMs, 50) : item.retryAfterMs);
}

/**
 * The writes a pass may take at `now` (`performance.now()`), in queue order, at most `max`: a lane whose next
 * write is waiting out its retry backoff is left out whole (so its order holds) while the other lanes go on.
 * `nextDue` is when the earliest waiting lane may go again (Infinity when none waits); `waiting` names those
 * lanes.
 */
export function readyWrites(
  queue: readonly QueuedOp[],
  max: number,
  now: number,
  hurry: boolean,
): { readonly ready: QueuedOp[]; readonly nextDue: number; readonly waiting: ReadonlySet<string> } {
  const waiting = new Set<string>();
  const ready: QueuedOp[] = [];
  let nextDue = Number.POSITIVE_INFINITY;
  for (const item of queue) {
    if (ready.length >= max) break;
    const due = dueOf(item, hurry);
    if (due <= now && waiting.size === 0) {
      ready.push(item); // the common case: nothing is waiting, no lane key needed
      continue;
    }
    const lane = laneOf(item.op);
    if (waiting.has(lane)) continue;
    if (due > now) {
      waiting.add(lane);
      nextDue = Math.min(nextDue, due);
      continue;
    }
    ready.push(item);
  }
  return { ready, nextDue, waiting };
}

/** Ledger, bar and tick lanes: one write after another (consecutive tick writes merged, up to 5000 ticks). */
async function deliverInOrder(
  lane: readonly QueuedOp[],
  primary: DataSourceAdapter,
  secondary: DataSourceAdapter,
  unsure: boolean,
): Promise<LaneOutcome> {
  let i = 0;
  while (i < lane.length) {
    const batch = tickRun(lane, i);
    const op = batch.length > 1 ? mergeTicks(batch) : (lane[i] as QueuedOp).op;
    try {
      await applyOp(op, primary, secondary, unsure || batch.some((q) => q.attempts > 0));
    } catch (error) {
      return { done: i, failed: true, error };
    }
    i += batch.length;
  }
  return { done: i, failed: false };
}

/**
 * One symbol's fills and position writes. The ledger rows of the lane's fills are appended at once (a fillId
 * already there landed before: fine). Then, among the writes before the first failed append, the positions:
 * a fill's booked position and `putPosition` are whole copies, so only the newest of those is written, followed
 * by each `updatePosition` after it in order (those keep the secondary's other fields and bump its version,
 * as they did on the primary). The writes go oldest first and stop at a failure: a later pass resumes at the
 * write that failed, never before it, so the secondary's position never goes back.
 */
async function deliverSymbolLane(
  lane: readonly QueuedOp[],
  secondary: DataSourceAdapter,
): Promise<LaneOutcome> {
  const appended = await Promise.allSettled(lane.map((q) => appendFillEntry(q, secondary)));
  const firstFailed = appended.findIndex((r) => r.status === "rejected");
  const prefix = firstFailed < 0 ? lane.length : firstFailed;
  for (const { index, write } of await positionWrites(lane, prefix, secondary)) {
    try {
      await write();
    } catch (error) {
      // The writes before it landed or were superseded by it; it (and the rest of the lane) is retried.
      return { done: index, failed: true, error };
    }
  }
  if (firstFailed < 0) return { done: lane.length, failed: false };
  return { done: prefix, failed: true, error: (appended[firstFailed] as PromiseRejectedResult).reason };
}

/** The ledger row of a fill op, once (nothing for position writes or a fill the primary refused). */
async function appendFillEntry(item: QueuedOp, secondary: DataSourceAdapter): Promise<void> {
  const op = item.op;
  if (op.kind !== "fill" || item.entryLanded === true) return;
  const booked = await op.booked;
  if (booked === null) return;
  await secondary.appendLedger(booked.entry).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) throw error; // the fillId is there already: an earlier attempt landed
  });
  item.entryLanded = true;
}

/**
 * The position writes of `lane[0..prefix)`, oldest first: from the newest whole copy (a booked fill's
 * position, a `putPosition`) on, plus every `updatePosition` after it; all of them when there is no copy.
 */
async function positionWrites(
  lane: readonly QueuedOp[],
  prefix: number,
  secondary: DataSourceAdapter,
): Promise<{ readonly index: number; readonly write: () => Promise<unknown> }[]> {
  const writes: { index: number; write: () => Promise<unknown> }[] = [];
  for (let i = prefix - 1; i >= 0; i--) {
    const op = (lane[i] as QueuedOp).op;
    if (op.kind === "position") {
      writes.push({ index: i, write: () => secondary.updatePosition(op.symbol, op.qty, op.avgPrice) });
      continue;
    }
    const copy =
      op.kind === "putPosition" ? op.position : op.kind === "fill" ? (await op.booked)?.position : null;
    if (copy === null || copy === undefined) continue; // a fill the primary refused
    writes.push({ index: i, write: () => copyPosition(secondary, copy) });
    break;
  }
  return writes.reverse();
}

/** The write at `from` plus the tick writes right behind it (up to 5000 ticks): replayed as one write. */
function tickRun(lane: readonly QueuedOp[], from: number): QueuedOp[] {
  const head = lane[from] as QueuedOp;
  if (head.op.kind !== "ticks") return [head];
  const batch = [head];
  let n = head.op.ticks.length;
  for (let i = from + 1; i < lane.length; i++) {
    const next = lane[i] as QueuedOp;
    if (next.op.kind !== "ticks" || n + next.op.ticks.length > MAX_TICK_BATCH) break;
    batch.push(next);
    n += next.op.ticks.length;
  }
  return batch;
}

/** Consecutive queued tick writes replayed as one `appendTicks`. */
function mergeTicks(batch: readonly QueuedOp[]): SecondaryOp {
  return { kind: "ticks", ticks: batch.flatMap((b) => (b.op.kind === "ticks" ? b.op.ticks : [])) };
}
