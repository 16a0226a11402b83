import {
  DataSourceUnavailableError,
  ledgerEntry,
  normalizeLedgerQuery,
  ValidationError,
} from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { assertOpen, chunks, compareStrings, selectLedger, validateAll } from "../src/common/index.js";
import * as api from "../src/index.js";
import * as testing from "../src/testing/index.js";

describe("common helpers", () => {
  it("are not public API (the package entry and the testing subpath export none of them)", () => {
    for (const name of [
      "compareStrings",
      "validateAll",
      "chunks",
      "assertOpen",
      "selectLedger",
      "ticksInRange",
    ]) {
      expect(api).not.toHaveProperty(name);
      expect(testing).not.toHaveProperty(name);
    }
    expect(typeof testing.describeDataSourceConformance).toBe("function");
    expect(typeof api.InMemoryAdapter).toBe("function");
  });

  it("chunks refuses a size that would never advance", () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunks([1], 0)).toThrow(ValidationError);
    expect(() => chunks([1], 1.5)).toThrow(ValidationError);
  });

  it("validateAll names the index of the first bad record; assertOpen rejects a closed adapter", () => {
    const positive = (n: number) => {
      if (n <= 0) throw new ValidationError("qty", n, "must be > 0");
      return n;
    };
    expect(() => validateAll([1, 2, -3], "bars", positive)).toThrow(/bars\[2\]\.qty/);
    expect(() => validateAll("x" as unknown as number[], "bars", positive)).toThrow(ValidationError);
    expect(() => assertOpen(true, "memory")).toThrow(DataSourceUnavailableError);
    expect(() => assertOpen(false, "memory")).not.toThrow();
    expect(["b", "B", "a", "é"].sort(compareStrings)).toEqual(["B", "a", "b", "é"]);
  });

  it("selectLedger filters [start, end) by symbol, newest first, ties by id, up to limit", () => {
    const e = (id: number, t: number, symbol = "AAPL") =>
      ledgerEntry({ id, timestamp: t, symbol, side: "BUY", qty: 1, price: 1, amount: 1 });
    const all = [e(1, 10), e(2, 20), e(3, 20), e(4, 30, "MSFT"), e(5, 40)];
    const ids = (q: Parameters<typeof normalizeLedgerQuery>[0]) =>
      selectLedger(all, normalizeLedgerQuery(q)).map((x) => x.id);
    expect(ids({})).toEqual([5, 4, 3, 2, 1]);
    expect(ids({ symbol: "AAPL", start: new Date(20), end: new Date(40) })).toEqual([3, 2]);
    expect(ids({ limit: 2 })).toEqual([5, 4]);
  });
});
