import { describe, expect, it } from "vitest";
import {
  declaresCommandTimeout,
  isMigratable,
  isPooledStore,
  isPositionWriter,
  isReconcilable,
  isReplicatedStore,
  isSymbolLister,
} from "../src/index.js";

describe("capability guards", () => {
  it("each guard accepts an object with the capability and rejects one without", () => {
    const fn = async () => true;
    expect(isPositionWriter({ putPosition: fn })).toBe(true);
    expect(isPositionWriter({ putPosition: 1 })).toBe(false);
    expect(isSymbolLister({ listSymbols: fn })).toBe(true);
    expect(isSymbolLister({})).toBe(false);
    expect(isMigratable({ migrate: fn })).toBe(true);
    expect(isMigratable({ migrate: "yes" })).toBe(false);
    expect(isReplicatedStore({ primary: {}, secondary: {} })).toBe(true);
    expect(isReplicatedStore({ primary: {}, secondary: null })).toBe(false);
    expect(isReconcilable({ verifyConsistency: fn, repair: fn, backlog: 0 })).toBe(true);
    expect(isReconcilable({ verifyConsistency: fn, repair: fn })).toBe(false);
    expect(isPooledStore({ poolUsage: { total: 1, idle: 1, waiting: 0 } })).toBe(true);
    expect(isPooledStore({ poolUsage: null })).toBe(false);
    expect(declaresCommandTimeout({ commandTimeoutMs: 100 })).toBe(true);
    expect(declaresCommandTimeout({ commandTimeoutMs: 0 })).toBe(false);
    expect(declaresCommandTimeout({ commandTimeoutMs: Number.NaN })).toBe(false);
  });
});
