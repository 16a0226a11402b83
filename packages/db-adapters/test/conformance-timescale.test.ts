import type { DataSourceAdapter } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { describeDataSourceConformance } from "../src/testing/index.js";
import { TimescaleAdapter } from "../src/timescale/index.js";
import { migratedAdapter, pgUrlOrNull } from "./timescale-helpers.js";

const url = await pgUrlOrNull();

if (url === null) {
  describe("TimescaleAdapter conformance (plain PostgreSQL)", () => {
    it("needs PostgreSQL: see the warning above (install postgresql or set QTS_TEST_PG_URL)", () => {
      expect(url).toBeNull();
    });
  });
} else {
  const drops = new Map<DataSourceAdapter, () => Promise<void>>();
  const make = (copyThreshold: number) => async () => {
    const { adapter, drop } = await migratedAdapter(url, "qts_conf", { copyThreshold });
    expect(adapter.storage).toBe("plain");
    drops.set(adapter, drop);
    return adapter;
  };
  const teardown = async (a: DataSourceAdapter) => {
    await drops.get(a)?.();
    drops.delete(a);
  };

  // Default COPY threshold (1000): bulk tests go through COPY, small batches through INSERT ... unnest.
  describeDataSourceConformance("TimescaleAdapter on PostgreSQL (plain path)", make(1000), { teardown });
  // COPY for every batch, so the small-batch checks (verbatim strings, decimals) run through COPY too.
  describeDataSourceConformance("TimescaleAdapter on PostgreSQL (COPY for every batch)", make(1), {
    teardown,
    scale: 0.2,
  });

  describe("TimescaleAdapter seeds whole positions", () => {
    it("putPosition is used by the suite to check that updates keep the other fields", () => {
      expect(typeof TimescaleAdapter.prototype.putPosition).toBe("function");
    });
  });
}
