import { expect } from "vitest";
import { describeDataSourceConformance } from "../src/testing/index.js";
import { pgliteAdapter, pgliteForFile } from "./timescale-pglite-helpers.js";

// The TimescaleDB path (hypertables, compression, continuous aggregates with real-time aggregation) under
// the same conformance suite, on PGlite + TimescaleDB 2.23 through pglite-socket.
const pglite = pgliteForFile();

describeDataSourceConformance(
  "TimescaleAdapter on TimescaleDB (PGlite)",
  async () => {
    const adapter = await pgliteAdapter(pglite.url, "qts_tsdb");
    expect(adapter.storage).toBe("timescaledb");
    return adapter;
  },
  { scale: 1, timeoutMs: 60_000 },
);
