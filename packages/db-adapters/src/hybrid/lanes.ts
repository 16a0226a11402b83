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
  /** The first retryable failure (its write and the rest of its lane stay queued), or undefined. */
  failure: unknown;
  /** Whether any write failed with a retryable error. */
  failed: boolean;
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
  const outcome: PassOutcome = { finished: new Set(), rejected: [], failure: undefined, failed: false };
  await Promise.all(
    [...lanes].map(async ([key, lane]) => {
      const { done, failed, error } = key.startsWith("symbol:")
        ? await deliverSymbolLane(lane, secondary)
        : await deliverInOrder(lane, primary, secondary, unsure);
      for (let i = 0; i < done; i++) outcome.finished.add(lane[i] as QueuedOp);
      if (!failed) return;
      const item = lane[done] as QueuedOp;
      if (isPermanent(error)) {
        outcome.finished.add(item);
        outcome.rejected.push({ item, error });
        return;
      }
      item.attempts++;
      if (!outcome.failed) outcome.failure = error;
      outcome.failed = true;
    }),
  );
  return outcome;
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
 * One symbol's fills and position writes. Position writes overwrite, so only the newest one matters: the
 * ledger rows of the lane's fills are appended at once (a fillId already there landed before: fine), then the
 * newest position among the writes before the first failed append is written once.
 */
async function deliverSymbolLane(
  lane: readonly QueuedOp[],
  secondary: DataSourceAdapter,
): Promise<LaneOutcome> {
  const appended = await Promise.allSettled(lane.map((q) => appendFillEntry(q.op, secondary)));
  const firstFailed = appended.findIndex((r) => r.status === "rejected");
  const prefix = firstFailed < 0 ? lane.length : firstFailed;
  for (let i = prefix - 1; i >= 0; i--) {
    const write = await positionWrite((lane[i] as QueuedOp).op, secondary);
    if (write === null) continue;
    try {
      await write();
    } catch (error) {
      // Retried from the lane's head (its appends find their fillIds); one the secondary never accepts
      // is that write's alone.
      return isPermanent(error) ? { done: i, failed: true, error } : { done: 0, failed: true, error };
    }
    break;
  }
  if (firstFailed < 0) return { done: lane.length, failed: false };
  return { done: prefix, failed: true, error: (appended[firstFailed] as PromiseRejectedResult).reason };
}

/** The ledger row of a fill op (nothing for position writes or a fill the primary refused). */
async function appendFillEntry(op: SecondaryOp, secondary: DataSourceAdapter): Promise<void> {
  if (op.kind !== "fill") return;
  const booked = await op.booked;
  if (booked === null) return;
  await secondary.appendLedger(booked.entry).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) throw error; // the fillId is there already: an earlier attempt landed
  });
}

/** The position write an op carries, or null (a fill the primary refused). */
async function positionWrite(
  op: SecondaryOp,
  secondary: DataSourceAdapter,
): Promise<(() => Promise<unknown>) | null> {
  switch (op.kind) {
    case "position":
      return () => secondary.updatePosition(op.symbol, op.qty, op.avgPrice);
    case "putPosition":
      return () => copyPosition(secondary, op.position);
    case "fill": {
      const booked = await op.booked;
      return booked === null ? null : () => copyPosition(secondary, booked.position);
    }
    default:
      return null;
  }
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
