import {
  type LedgerEntry,
  ledgerEntry,
  type OHLCV,
  ohlcv,
  type Position,
  position,
  type Side,
  type TickData,
  tick,
} from "@qts/contracts";

/** NUMERIC arrives as a string and goes straight into Decimal (via the factories); never a JS number. */
type Num = string;

export interface PositionRow {
  symbol: string;
  qty: Num;
  avg_price: Num;
  market: string;
  exposure_value: Num;
  exposure_pct: Num;
  unrealized_pnl: Num;
  updated_at: Date | null;
  realized_pnl: Num;
  version: number | string;
}

export interface LedgerRow {
  id: number;
  ts: Date;
  symbol: string;
  side: Side;
  qty: Num;
  price: Num;
  amount: Num;
  fee: Num;
  strategy_tag: string;
  order_id: string;
  broker: string;
  fill_id: string | null;
}

export interface BarRow {
  time: Date;
  symbol: string;
  open: Num;
  high: Num;
  low: Num;
  close: Num;
  volume: number | string;
}

export interface TickRow {
  time: Date;
  symbol: string;
  price: Num;
  volume: number;
  bid: Num | null;
  ask: Num | null;
  source: string;
}

export const toPosition = (r: PositionRow): Position =>
  position({
    symbol: r.symbol,
    qty: r.qty,
    avgPrice: r.avg_price,
    market: r.market,
    exposureValue: r.exposure_value,
    exposurePct: r.exposure_pct,
    unrealizedPnl: r.unrealized_pnl,
    updatedAt: r.updated_at,
    realizedPnl: r.realized_pnl,
    version: r.version,
  });

export const toLedgerEntry = (r: LedgerRow): LedgerEntry =>
  ledgerEntry({
    id: r.id,
    timestamp: r.ts,
    symbol: r.symbol,
    side: r.side,
    qty: r.qty,
    price: r.price,
    amount: r.amount,
    fee: r.fee,
    strategyTag: r.strategy_tag,
    orderId: r.order_id,
    broker: r.broker,
    fillId: r.fill_id,
  });

/** A ledger entry as insert parameters, in `LEDGER_INSERT_COLUMNS` order (decimals as plain strings). */
export const ledgerParams = (e: LedgerEntry): unknown[] => [
  e.timestamp,
  e.symbol,
  e.side,
  e.qty.toFixed(),
  e.price.toFixed(),
  e.amount.toFixed(),
  e.fee.toFixed(),
  e.strategyTag,
  e.orderId,
  e.broker,
  e.fillId,
];

/** `volume` may be a NUMERIC string when it is a `sum()`. */
export const toBar = (r: BarRow): OHLCV =>
  ohlcv({
    time: r.time,
    symbol: r.symbol,
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
  });

export const toTick = (r: TickRow): TickData =>
  tick({
    time: r.time,
    symbol: r.symbol,
    price: r.price,
    volume: r.volume,
    bid: r.bid,
    ask: r.ask,
    source: r.source,
  });

const COPY_SPECIAL = /[\\\t\n\r]/;

/** COPY text-format field: backslash, tab, newline and carriage return escaped; `\N` is NULL. */
export function copyText(value: string | null): string {
  if (value === null) return "\\N";
  // Most symbols and sources have nothing to escape: test first (measured 2.2x cheaper than always replacing).
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}
