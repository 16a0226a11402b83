import type { QtsEvent } from "@qts/contracts";
import { ohlcv } from "@qts/contracts";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { at, DAY, MINUTE, makeBars, T0 } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { PGLITE_OPTIONS, pgliteForFile, uniqueSchema, withPgliteClient } from "./timescale-pglite-helpers.js";

// A continuous-aggregate refresh that fails after the bar write committed: the write resolves, the failure is
// an event, and the refresh is retried until it succeeds. The fault is real: a trigger on the aggregate's
// materialisation hypertable refuses the refreshed bucket.
const pglite = pgliteForFile();

/** Runs `fn` on a connection of its own while no adapter holds PGlite's single connection. */
const sql = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withPgliteClient(pglite.url, fn);

describe("TimescaleAdapter: continuous-aggregate refresh failing after the commit (PGlite)", () => {
  it("resolves the write, publishes an event, retries (healthCheck, next write) until the refresh succeeds", async () => {
    const schema = uniqueSchema("qts_refresh");
    const events: QtsEvent[] = [];
    const sink = { publish: (e: QtsEvent) => void events.push(e) };
    const a = new TimescaleAdapter({ dsn: pglite.url, schema, ...PGLITE_OPTIONS });
    await a.migrate();
    const bars = makeBars("RFX", T0, 120, MINUTE, 5);
    await a.appendOhlcv(bars, "1m");
    await a.close();
    // Materialise the 1h aggregate (so a backfill lies below its watermark), then add the fault.
    const mat = await sql(async (c) => {
      await c.query(
        `CALL refresh_continuous_aggregate('${schema}.bars_1h', $1::timestamptz, $2::timestamptz)`,
        [new Date(T0 - DAY), new Date(T0 + DAY)],
      );
      const r = await c.query(
        `SELECT format('%I.%I', h.schema_name, h.table_name) AS t FROM _timescaledb_catalog.continuous_agg ca
          JOIN _timescaledb_catalog.hypertable h ON h.id = ca.mat_hypertable_id
          WHERE ca.user_view_schema = $1 AND ca.user_view_name = 'bars_1h'`,
        [schema],
      );
      const table = r.rows[0].t as string;
      await c.query(`CREATE FUNCTION ${schema}.qts_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.high >= 50000 THEN RAISE EXCEPTION 'qts_test_fault: refresh refused'; END IF; RETURN NEW; END $$`);
      await c.query(`CREATE TRIGGER qts_test_fault BEFORE INSERT OR UPDATE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION ${schema}.qts_test_fault()`);
      return table;
    });

    const b = new TimescaleAdapter({ dsn: pglite.url, schema, ...PGLITE_OPTIONS, eventSink: sink });
    const changed = ohlcv({ ...bars[30]!, high: "99999" });
    // The bar is committed; the refresh of the 1h bucket violates the constraint: not a rejection.
    await expect(b.appendOhlcv([changed], "1m")).resolves.toBe(1);
    expect((await b.fetchOhlcv("RFX", at(T0), at(T0 + 2 * 3_600_000), "1m"))[30]!.high.toFixed()).toBe(
      "99999",
    );
    const failed = events.find((e) => e.payload.reason === "continuous aggregate refresh failed");
    expect(failed?.type).toBe("DATA_SOURCE_DEGRADED");
    expect(String(failed?.payload.error)).toMatch(/qts_test_fault|check constraint/i);
    const health = await b.healthCheck(); // retries, fails again: still pending
    expect(health.healthy).toBe(true);
    expect(health.details).toMatchObject({ caggRefreshPending: true });
    expect(Number(health.details?.caggRefreshFailures)).toBeGreaterThanOrEqual(2);
    await b.close();

    await sql((c) => c.query(`DROP TRIGGER qts_test_fault ON ${mat}`));
    const c2 = new TimescaleAdapter({ dsn: pglite.url, schema, ...PGLITE_OPTIONS, eventSink: sink });
    try {
      // A new adapter does not know the pending range: the next 1m write carries it (here: the same bar).
      await c2.appendOhlcv([changed], "1m");
      const hours = await c2.fetchOhlcv("RFX", at(T0), at(T0 + DAY), "1h");
      expect(hours[0]!.high.toFixed()).toBe("99999");
    } finally {
      await c2.close();
    }
  }, 120_000);
});
