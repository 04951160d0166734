import { describe, expect, it } from "vitest";
import { LatencyHistogram, median, quantile, spread } from "./stats.js";

describe("median, quantile and spread", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("interpolates quantiles between ranks", () => {
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(quantile([0, 100], 0.99)).toBeCloseTo(99);
  });

  it("gives the spread as (max - min) / median", () => {
    expect(spread([90, 100, 110])).toBeCloseTo(0.2);
    expect(spread([5])).toBe(0);
  });

  it("refuses an empty list or a quantile outside [0, 1]", () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });
});

describe("LatencyHistogram", () => {
  it("answers quantiles within 1%", () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) histogram.record(i / 100); // 0.01 .. 10 ms
    expect(histogram.count).toBe(1000);
    expect(histogram.quantileMs(0.5)).toBeGreaterThanOrEqual(5);
    expect(histogram.quantileMs(0.5)).toBeLessThanOrEqual(5 * 1.01);
    expect(histogram.quantileMs(0.99)).toBeGreaterThanOrEqual(9.9);
    expect(histogram.quantileMs(0.99)).toBeLessThanOrEqual(9.9 * 1.01);
  });

  it("merges, and survives a trip through its pairs", () => {
    const fast = new LatencyHistogram();
    const slow = new LatencyHistogram();
    for (let i = 0; i < 90; i++) fast.record(0.1);
    for (let i = 0; i < 10; i++) slow.record(50);
    const merged = LatencyHistogram.fromPairs(fast.toPairs());
    merged.merge(LatencyHistogram.fromPairs(slow.toPairs()));
    expect(merged.count).toBe(100);
    expect(merged.quantileMs(0.5)).toBeCloseTo(0.1, 2);
    expect(merged.quantileMs(0.95)).toBeCloseTo(50, -0.5);
  });

  it("has no quantile without samples", () => {
    expect(new LatencyHistogram().quantileMs(0.5)).toBeNaN();
  });
});
