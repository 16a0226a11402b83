import { describe, expect, it } from "vitest";
import { comparison, percentile, stat } from "../src/stats.js";

describe("percentile (nearest rank)", () => {
  it("is the smallest sample with at least p% of the samples at or below it, sorted or not", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile(Float64Array.from([5]), 1)).toBe(5);
  });

  it("is NaN without samples and rejects p outside (0, 100]", () => {
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("leaves the caller's samples in their order", () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
  });
});

describe("stat and comparison", () => {
  it("summarises samples: median, quartiles, extremes, count, samples in their order", () => {
    const s = stat([9, 1, 5, 3, 7]);
    expect(s).toEqual({ median: 5, min: 1, max: 9, q1: 3, q3: 7, n: 5, samples: [9, 1, 5, 3, 7] });
  });

  it("takes the ratio ours / baseline per repeat, then its median", () => {
    const c = comparison([100, 200, 400], [50, 300, 400]);
    expect(c.ratio.samples).toEqual([0.5, 1.5, 1]);
    expect(c.ratio.median).toBe(1);
    expect(c.baseline.median).toBe(200);
    expect(c.ours.max).toBe(400);
  });
});
