import { applyFillToPosition, type Fill, fill, ledgerEntryFromFill, type Position } from "@qts/contracts";
import type { BenchContext, BenchDef } from "../context.js";
import { measureSides, throughput } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison, stat } from "../stats.js";
import { oursAdapter } from "./pg-util.js";

const SYMBOLS = 16;
const IN_FLIGHT = 16;

/** `n` fills over 16 symbols, ids unique per call (`tag`), prices with 2 decimals. */
function makeFills(tag: string, n: number): Fill[] {
  return Array.from({ length: n }, (_, i) =>
    fill({
      fillId: `${tag}-${i}`,
      orderId: `O-${i}`,
      symbol: `S${String(i % SYMBOLS).padStart(2, "0")}`,
      side: i % 3 === 0 ? "SELL" : "BUY",
      qty: `${1 + (i % 5)}.5`,
      price: `${100 + (i % 7)}.25`,
      timestamp: new Date(Date.UTC(2024, 0, 2) + i),
      strategyTag: "bench",
    }),
  );
}

/**
 * `TimescaleAdapter.applyFill` (atomic, idempotent) vs the two separate, non-atomic calls it replaces:
 * `appendLedger` then `updatePosition` with the position computed in process.
 */
export const applyFillBench: BenchDef = {
  name: "applyfill",
  title: "TimescaleAdapter.applyFill vs appendLedger + updatePosition (16 symbols, 16 in flight)",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const n = ctx.quick ? 400 : 2000;
    const pool = { minConnections: IN_FLIGHT, maxConnections: 20 };
    const base = await oursAdapter(ctx, "bench_fill_two", pool);
    const ours = await oursAdapter(ctx, "bench_fill_one", pool);
    let run = 0;
    const books = new Map<string, Position | null>();
    const twoCalls = async () => {
      const fills = makeFills(`two${run++}`, n);
      return throughput(
        async (i) => {
          const f = fills[i]!;
          const next = applyFillToPosition(books.get(f.symbol) ?? null, f);
          books.set(f.symbol, next);
          await base.adapter.appendLedger(ledgerEntryFromFill(f));
          await base.adapter.updatePosition(f.symbol, next.qty, next.avgPrice);
        },
        n,
        IN_FLIGHT,
      );
    };
    const oneCall = async () => {
      const fills = makeFills(`one${run++}`, n);
      return throughput((i) => ours.adapter.applyFill(fills[i]!), n, IN_FLIGHT);
    };
    const s = await measureSides({ baseline: twoCalls, ours: oneCall }, ctx.quick ? 3 : 7, 1);
    return [
      row(
        {
          name: "applyfill",
          title: `${n} fills per repeat over ${SYMBOLS} symbols, ${IN_FLIGHT} in flight`,
          unit: "ops/s",
          baselineLabel: "appendLedger + updatePosition",
          oursLabel: "TimescaleAdapter.applyFill",
          target: { op: ">=", value: 1.0 },
          notes: [
            "an atomic idempotent booking (one compare-and-set statement) against two non-atomic writes",
            `baseline median ${stat(s.baseline!).median.toFixed(0)} fills/s`,
          ],
        },
        comparison(s.baseline!, s.ours!),
      ),
    ];
  },
};
