import {
  ConflictError,
  type Fill,
  type FillResult,
  fillConflicts,
  type LedgerEntry,
  type Position,
} from "@qts/contracts";

/**
 * The answer to a fill whose `fillId` is already booked as `stored`: the stored entry and the current position
 * marked `duplicate: true`; a different symbol, side, qty or price (or no position to return) is a
 * `ConflictError` naming the fields, and nothing is written.
 */
export function bookedFillResult(
  f: Fill,
  stored: LedgerEntry,
  current: Position | null,
  source: string,
): FillResult {
  const fields = fillConflicts(f, stored);
  if (fields.length > 0 || current === null) {
    throw new ConflictError(
      `${source}: fill ${f.fillId} is booked with a different ${fields.join(", ") || "symbol"}`,
      {
        key: f.fillId,
        fields,
        source,
      },
    );
  }
  return Object.freeze({ position: current, entry: stored, duplicate: true });
}
