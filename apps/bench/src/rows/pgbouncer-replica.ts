import { fill, ohlcv } from "@qts/contracts";
import { TimescaleAdapter } from "@qts/db-adapters";
import { startPgBouncer, startPrivatePostgres } from "@qts/testkit";
import type { BenchContext, BenchDef } from "../context.js";
import { measureSides, throughput } from "../measure.js";
import { type RowResult, row } from "../row.js";
import { comparison, stat } from "../stats.js";

const SYMBOLS = 16;
const IN_FLIGHT = 8;

/**
 * `applyFill` through PgBouncer 1.18 in transaction pooling (unnamed statements, `preparedStatements: false`)
 * vs directly on PostgreSQL (named prepared statements). Target >= 0.7x (info).
 */
export const pgbouncerApplyFillBench: BenchDef = {
  name: "pgbouncer",
  title: "applyFill through PgBouncer (transaction pooling, unnamed) vs direct (named)",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const url = await ctx.pgUrl();
    const bouncer = await startPgBouncer({ upstreamUrl: url, poolSize: 10 });
    ctx.defer(() => bouncer.destroy());
    const pool = { minConnections: IN_FLIGHT, maxConnections: IN_FLIGHT };
    const direct = new TimescaleAdapter({ dsn: url, schema: await ctx.pgSchema("bench_pgb_direct"), pool });
    const viaBouncer = new TimescaleAdapter({
      dsn: bouncer.url,
      schema: await ctx.pgSchema("bench_pgb_bouncer"),
      pool,
      preparedStatements: false,
    });
    for (const a of [direct, viaBouncer]) {
      ctx.defer(() => a.close());
      await a.migrate();
    }
    const n = ctx.quick ? 400 : 2000;
    let run = 0;
    const book = (a: TimescaleAdapter) => async () => {
      const tag = `r${run++}`;
      return throughput(
        (i) =>
          a.applyFill(
            fill({
              fillId: `${tag}-${i}`,
              symbol: `S${i % SYMBOLS}`,
              side: i % 3 === 0 ? "SELL" : "BUY",
              qty: `${1 + (i % 5)}`,
              price: `${100 + (i % 7)}.25`,
              timestamp: new Date(Date.UTC(2024, 0, 2) + i),
            }),
          ),
        n,
        IN_FLIGHT,
      );
    };
    const s = await measureSides({ baseline: book(direct), ours: book(viaBouncer) }, ctx.quick ? 3 : 5, 1);
    return [
      row(
        {
          name: "pgbouncer.applyfill",
          title: `${n} fills per repeat over ${SYMBOLS} symbols, ${IN_FLIGHT} in flight (${bouncer.version})`,
          unit: "ops/s",
          baselineLabel: "direct, named statements",
          oursLabel: "PgBouncer transaction pooling, unnamed",
          target: { op: ">=", value: 0.7 },
          notes: [
            "info: the cost of an extra hop and of parsing every statement (no named statements through PgBouncer < 1.21)",
            `direct median ${stat(s.baseline!).median.toFixed(0)} fills/s`,
          ],
        },
        comparison(s.baseline!, s.ours!),
      ),
    ];
  },
};

/**
 * `fetchOhlcv` (a day of 1m bars) served by a streaming replica while 8 writers load the primary, vs the same
 * reads on the primary alone under the same load. Info (no target).
 */
export const replicaOhlcvBench: BenchDef = {
  name: "replica",
  title: "fetchOhlcv from a streaming replica vs the primary, 8 writers on the primary",
  async run(ctx: BenchContext): Promise<RowResult[]> {
    const primary = await startPrivatePostgres();
    ctx.defer(() => primary.destroy());
    const replica = await startPrivatePostgres({ replicaOf: primary });
    ctx.defer(() => replica.destroy());
    const schema = "bench_replica";
    const writer = new TimescaleAdapter({
      dsn: primary.url,
      schema,
      pool: { minConnections: 8, maxConnections: 8 },
    });
    ctx.defer(() => writer.close());
    await writer.migrate();
    const t0 = Date.UTC(2024, 0, 2);
    const bars = Array.from({ length: 1440 }, (_, i) =>
      ohlcv({
        time: t0 + i * 60_000,
        symbol: "R",
        open: "10",
        high: "11",
        low: "9",
        close: "10.5",
        volume: i,
      }),
    );
    await writer.appendOhlcv(bars, "1m");
    const onPrimary = new TimescaleAdapter({
      dsn: primary.url,
      schema,
      pool: { minConnections: 4, maxConnections: 4 },
    });
    const onReplica = new TimescaleAdapter({
      dsn: primary.url,
      schema,
      pool: { minConnections: 4, maxConnections: 4 },
      readDsn: replica.url,
      maxReplicaLagMs: 5_000,
    });
    for (const a of [onPrimary, onReplica]) ctx.defer(() => a.close());
    // Wait until the replica has the bars (it is used only once its lag is measured under the limit).
    for (let i = 0; i < 100; i++) {
      if ((await onReplica.fetchOhlcv("R", new Date(t0), new Date(t0 + 86_400_000), "1m")).length === 1440)
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    let stop = false;
    let w = 0;
    const load = Array.from({ length: 8 }, async (_, k) => {
      while (!stop) {
        const base = Date.UTC(2025, 0, 1) + (w++ % 100_000) * 60_000;
        await writer.appendOhlcv(
          Array.from({ length: 200 }, (_, i) =>
            ohlcv({
              time: base + i * 1000,
              symbol: `W${k}`,
              open: "1",
              high: "1",
              low: "1",
              close: "1",
              volume: i,
            }),
          ),
          "1m",
        );
      }
    });
    const reads = ctx.quick ? 100 : 400;
    const fetch = (a: TimescaleAdapter) => () =>
      throughput(() => a.fetchOhlcv("R", new Date(t0), new Date(t0 + 86_400_000), "1h"), reads, 4);
    let s: Record<string, number[]>;
    try {
      s = await measureSides({ baseline: fetch(onPrimary), ours: fetch(onReplica) }, ctx.quick ? 3 : 5, 1);
    } finally {
      stop = true;
      await Promise.allSettled(load);
    }
    const health = await onReplica.healthCheck();
    return [
      row(
        {
          name: "replica.ohlcv",
          title: `${reads} fetchOhlcv(1 day, 1h) per repeat, 4 in flight, 8 writers of 200 bars on the primary`,
          unit: "ops/s",
          baselineLabel: "primary alone",
          oursLabel: "streaming replica (readDsn)",
          target: null,
          notes: [
            "info: the replica takes the history reads off the loaded primary (both private PostgreSQL 15, one machine)",
            `replica reads served: ${String(health.details?.replica0Reads ?? "?")}`,
          ],
        },
        comparison(s.baseline!, s.ours!),
      ),
    ];
  },
};
