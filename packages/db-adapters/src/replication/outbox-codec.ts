import {
  Decimal,
  decimalToPlain,
  type FillResult,
  type Interval,
  ledgerEntry,
  ohlcv,
  position,
  positionUpdate,
  tick,
  ValidationError,
  validateInterval,
} from "@qts/contracts";
import type { SecondaryOp } from "../hybrid/secondary-queue.js";

/** The outbox form of a write: its kind and its records as plain JSON (decimals as plain strings). */
export interface EncodedOp {
  readonly kind: SecondaryOp["kind"];
  /** JSON text. */
  readonly payload: string;
}

/** A value as JSON-ready data: Decimal → plain-notation string, Date → ISO string, frozen records → objects. */
function plain(value: unknown): unknown {
  if (Decimal.isDecimal(value)) return decimalToPlain(value as Decimal);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Encodes a write the primary is committing. A fill is encoded from the result the primary will hold (its
 * ledger entry and resulting position), which the caller computed before the write.
 */
export function encodeOp(
  op:
    | Exclude<SecondaryOp, { kind: "fill" }>
    | { readonly kind: "fill"; readonly result: Omit<FillResult, "duplicate"> },
): EncodedOp {
  const { kind, ...rest } = op;
  const body = kind === "fill" ? plain((rest as { result: unknown }).result) : plain(rest);
  return { kind, payload: JSON.stringify(body) };
}

/** Decodes an outbox row back into the write, re-validating every record through its factory. */
export function decodeOp(kind: string, payload: unknown): SecondaryOp {
  // biome-ignore lint/suspicious/noExplicitAny: JSON read back; every record is re-validated by its factory
  const p = (typeof payload === "string" ? JSON.parse(payload) : payload) as Record<string, any>;
  switch (kind) {
    case "position": {
      const u = positionUpdate(p.symbol, p.qty, p.avgPrice);
      return { kind, symbol: u.symbol, qty: u.qty, avgPrice: u.avgPrice };
    }
    case "putPosition":
      return { kind, position: position(p.position as never) };
    case "ledger":
      return { kind, entry: ledgerEntry({ ...(p.entry as object), id: null } as never) };
    case "fill": {
      const booked: FillResult = Object.freeze({
        entry: ledgerEntry({ ...(p.entry as object), id: null } as never),
        position: position(p.position as never),
        duplicate: false,
      });
      return { kind, symbol: booked.entry.symbol, booked: Promise.resolve(booked) };
    }
    case "ohlcv":
      return {
        kind,
        bars: (p.bars as unknown[]).map((b) => ohlcv(b as never)),
        interval: validateInterval(p.interval as Interval),
      };
    case "ticks":
      return { kind, ticks: (p.ticks as unknown[]).map((t) => tick(t as never)) };
    default:
      throw new ValidationError("outbox kind", kind, "not a write kind this version knows");
  }
}
