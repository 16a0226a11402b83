import { ManualClock } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { NearCache } from "../src/near-cache.js";

function active(max: number, clock = new ManualClock(0)): NearCache {
  const near = new NearCache(max, clock);
  near.setTracking(true);
  return near;
}

describe("NearCache (the in-process L1)", () => {
  it("serves only while tracking, the circuit CLOSED and the cache enabled; each loss clears it", () => {
    const near = active(10);
    near.put("k", 1, 100, near.seq);
    expect(near.get("k")).toBe(1);
    for (const leave of [
      () => near.setTracking(false),
      () => near.setCircuitClosed(false),
      () => near.setCacheEnabled(false),
    ]) {
      leave();
      expect(near.get("k")).toBeUndefined();
      near.put("k", 2, 100, near.seq); // not stored while inactive
      near.setTracking(true);
      near.setCircuitClosed(true);
      near.setCacheEnabled(true);
      expect(near.get("k")).toBeUndefined();
      near.put("k", 1, 100, near.seq);
    }
    expect(near.stats()).toMatchObject({ active: true, entries: 1, bypasses: 3 });
  });

  it("an entry expires at its time; a read in flight during an invalidation or a drop does not fill", () => {
    const clock = new ManualClock(0);
    const near = active(10, clock);
    near.put("a", "A", 50, near.seq);
    clock.advance(49);
    expect(near.get("a")).toBe("A");
    clock.advance(1);
    expect(near.get("a")).toBeUndefined();
    const seq = near.seq;
    near.invalidate(["other"]);
    near.put("a", "old", 1000, seq);
    expect(near.get("a")).toBeUndefined();
    const seq2 = near.seq;
    near.drop("x");
    near.put("a", "old", 1000, seq2);
    expect(near.get("a")).toBeUndefined();
    near.put("a", "A", 10, near.seq); // already expired: not stored
    expect(near.stats().entries).toBe(0);
    near.put("a", "A", 1000, near.seq);
    near.put("b", "B", 1000, near.seq);
    near.invalidate(null);
    expect(near.stats().entries).toBe(0);
  });

  it("is bounded: entries read recently survive, one not read goes first (CLOCK)", () => {
    const near = active(3);
    for (const k of ["a", "b", "c"]) near.put(k, k, 1000, near.seq);
    near.get("a");
    near.get("c");
    near.put("d", "d", 1000, near.seq); // b was not read: it goes
    expect(near.get("b")).toBeUndefined();
    expect([near.get("a"), near.get("c"), near.get("d")]).toEqual(["a", "c", "d"]);
    for (let i = 0; i < 100; i++) near.put(`k${i}`, i, 1000, near.seq);
    expect(near.stats().entries).toBe(3);
  });
});

describe("NearCache.hit (the hot path) and shutDown", () => {
  it("hands every hit of an entry the same settled promise of its value; a new entry gets a new one", async () => {
    const near = active(10);
    near.put("k", { qty: 1 }, 100, near.seq);
    const first = near.hit("k");
    expect(first).toBeInstanceOf(Promise);
    expect(near.hit("k")).toBe(first);
    expect(await first).toEqual({ qty: 1 });
    near.put("k", { qty: 2 }, 100, near.seq);
    const second = near.hit("k");
    expect(second).not.toBe(first);
    expect(await second).toEqual({ qty: 2 });
    expect(near.hit("absent")).toBeUndefined();
    expect(near.stats().hits).toBe(3);
  });

  it("an expired entry is no hit; after shutDown nothing is served or stored, and it is not counted as a bypass", () => {
    const clock = new ManualClock(0);
    const near = active(10, clock);
    near.put("a", "A", 50, near.seq);
    clock.advance(50);
    expect(near.hit("a")).toBeUndefined();
    near.put("a", "A", 1000, near.seq);
    near.shutDown();
    expect(near.hit("a")).toBeUndefined();
    near.put("a", "A", 1000, near.seq);
    near.setTracking(true);
    expect(near.stats()).toMatchObject({ active: false, entries: 0, bypasses: 0 });
  });
});
