import { afterAll, beforeAll, expect } from "vitest";
import { describeDataSourceConformance } from "../src/testing/index.js";
import { type PgliteTimescale, pgliteAdapter, startPgliteTimescale } from "./timescale-pglite-helpers.js";

// The TimescaleDB path (hypertables, compression, continuous aggregates with real-time aggregation) under
// the same conformance suite, on PGlite + TimescaleDB 2.23 through pglite-socket.
let pglite: PgliteTimescale;

beforeAll(async () => {
  pglite = await startPgliteTimescale();
}, 120_000);

afterAll(async () => {
  await pglite?.stop();
});

describeDataSourceConformance(
  "TimescaleAdapter on TimescaleDB (PGlite)",
  async () => {
    const adapter = await pgliteAdapter(pglite.url, "qts_tsdb");
    expect(adapter.storage).toBe("timescaledb");
    return adapter;
  },
  { scale: 1, timeoutMs: 60_000 },
);
