import { describe, expect, it } from "vitest";
import { cpuPerMessageUs, rotate, settled, throughput } from "./runner.js";
import { LatencyHistogram } from "./stats.js";

describe("rotate", () => {
  it("lets each server go first in turn", () => {
    expect(rotate(["ws", "fiberws", "raw"], 1)).toEqual(["fiberws", "raw", "ws"]);
    expect(rotate(["ws", "fiberws", "raw"], 3)).toEqual(["ws", "fiberws", "raw"]);
    expect(rotate([], 2)).toEqual([]);
  });
});

describe("throughput", () => {
  it("turns a job's totals into rates and latency quantiles", () => {
    const latency = new LatencyHistogram();
    for (let i = 0; i < 99; i++) latency.record(1);
    latency.record(100);
    const sample = throughput({ completed: 5000, bytes: 2_000_000, seconds: 2, latency: latency.toPairs() });
    expect(sample.rate).toBe(2500);
    expect(sample.mbps).toBe(1);
    expect(sample.p50).toBeCloseTo(1, 1);
    expect(sample.p99).toBeCloseTo(1, 1);
  });
});

describe("cpuPerMessageUs", () => {
  const timing = { warmupMs: 500, measureMs: 3000, idleConnections: 0 };

  it("spreads the job's CPU time over the warm-up's messages too", () => {
    expect(cpuPerMessageUs(700, { completed: 6000, bytes: 0, seconds: 3, latency: [] }, timing)).toBeCloseTo(100, 6);
  });

  it("says 0 when nothing completed", () => {
    expect(cpuPerMessageUs(700, { completed: 0, bytes: 0, seconds: 3, latency: [] }, timing)).toBe(0);
  });
});

describe("settled", () => {
  const reads = (...mib: number[]) => mib.map((rss) => ({ kind: "memory" as const, rss: rss * 2 ** 20, heapUsed: 0, collected: true }));

  it("waits for five reads of RSS within 1% of each other", () => {
    expect(settled(reads(100, 100, 100, 100))).toBe(false);
    expect(settled(reads(100, 100, 100, 100, 100.5))).toBe(true);
  });

  it("is not fooled by a plateau before V8 gives more pages back", () => {
    expect(settled(reads(185, 185, 179, 179, 148))).toBe(false);
    expect(settled(reads(185, 185, 179, 179, 148, 148, 148, 148, 148))).toBe(true);
  });
});
