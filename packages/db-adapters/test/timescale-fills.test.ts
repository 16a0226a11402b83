import { DataSourceUnavailableError, fill, MAX_LEDGER_LIMIT } from "@qts/contracts";
import { afterAll, expect, it } from "vitest";
import { bookedFills, expectPositionIsFoldOfLedger, randomFills } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { LostReplyProxy } from "./lost-reply-proxy.js";
import { describePg, migratedAdapter, pgUrlOrNull } from "./timescale-helpers.js";

const url = await pgUrlOrNull();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

/** `n` adapters (as `n` engine processes would have) over one fresh migrated schema. */
async function processes(n: number): Promise<TimescaleAdapter[]> {
  const first = await migratedAdapter(url!, "qts_fills_procs", {
    pool: { minConnections: 0, maxConnections: 4 },
  });
  cleanups.push(first.drop);
  const rest = Array.from(
    { length: n - 1 },
    () =>
      new TimescaleAdapter({
        dsn: url!,
        schema: first.schema,
        pool: { minConnections: 0, maxConnections: 4 },
      }),
  );
  const all = [first.adapter, ...rest];
  cleanups.unshift(async () => {
    await Promise.all(all.map((a) => a.close()));
  });
  return all;
}

describePg(url, "TimescaleAdapter.applyFill across processes", () => {
  it("4 adapters booking 25 fills each on one symbol at once: 100 rows, version 100, position = fold", async () => {
    const adapters = await processes(4);
    const plans = adapters.map((_, k) => randomFills("HOT", 25, 900 + k, `p${k}`));
    await Promise.all(
      adapters.map((a, k) => Promise.all(plans[k]!.map((f) => a.applyFill(f)))), // in flight per process too
    );
    expect(await bookedFills(adapters[0]!, "HOT")).toHaveLength(100);
    const p = await expectPositionIsFoldOfLedger(adapters[0]!, "HOT");
    expect(p.version).toBe(100);
    // Every process sees the same truth afterwards, and keeps booking from it.
    const last = await adapters[3]!.applyFill(
      fill({ fillId: "LAST", symbol: "HOT", side: "BUY", qty: 1, price: 1, timestamp: new Date() }),
    );
    expect(last.position.version).toBe(101);
    await expectPositionIsFoldOfLedger(adapters[1]!, "HOT");
  }, 60_000);

  it("the same fill sent by 4 adapters at once is booked once", async () => {
    const adapters = await processes(4);
    const f = fill({
      fillId: "ONCE",
      symbol: "AAPL",
      side: "SELL",
      qty: "2.5",
      price: "10",
      timestamp: new Date(),
    });
    const results = await Promise.all(adapters.map((a) => a.applyFill(f)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await adapters[0]!.fetchLedger({ limit: MAX_LEDGER_LIMIT })).toHaveLength(1);
    expect((await expectPositionIsFoldOfLedger(adapters[2]!, "AAPL")).qty.toFixed()).toBe("-2.5");
  }, 60_000);

  it("a reply lost after the commit: DataSourceUnavailableError, and the retry with the same fill is a duplicate", async () => {
    const first = await migratedAdapter(url!, "qts_fills_lost", {
      pool: { minConnections: 0, maxConnections: 2 },
    });
    cleanups.push(first.drop);
    await first.adapter.close();
    const target = new URL(url!);
    const proxy = await LostReplyProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.unshift(() => proxy.close());
    target.host = `127.0.0.1:${proxy.port}`;
    const a = new TimescaleAdapter({
      dsn: target.toString(),
      schema: first.schema,
      pool: { minConnections: 0, maxConnections: 2 },
    });
    cleanups.unshift(() => a.close());
    const f = (id: string, qty: number) =>
      fill({ fillId: id, symbol: "AAPL", side: "BUY", qty, price: "100.5", timestamp: new Date() });
    await a.applyFill(f("F1", 10)); // the next fill of AAPL is one statement: the booking itself
    proxy.arm();
    const lost = await a.applyFill(f("F2", 5)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(proxy.dropped).toBe(1);
    expect(lost).toBeInstanceOf(DataSourceUnavailableError);
    const retried = await a.applyFill(f("F2", 5));
    expect(retried.duplicate).toBe(true);
    expect(retried.position.qty.toFixed()).toBe("15");
    expect(retried.position.version).toBe(2);
    expect((await bookedFills(a, "AAPL")).map((e) => e.fillId)).toEqual(["F1", "F2"]);
    await expectPositionIsFoldOfLedger(a, "AAPL");
  }, 60_000);
});
