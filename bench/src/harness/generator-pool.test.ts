import { describe, expect, it } from "vitest";
import type { EchoJob } from "../generator/jobs.js";
import { LatencyHistogram } from "../stats.js";
import { mergeResults, splitJob } from "./generator-pool.js";

const job: EchoJob = {
  kind: "echo",
  target: { host: "127.0.0.1", port: 1, path: "/" },
  connections: 5,
  depth: 1,
  opcode: 1,
  size: 1,
  warmupMs: 0,
  measureMs: 1,
};

describe("splitJob and mergeResults", () => {
  it("splits connections evenly and gives nothing to spare processes", () => {
    expect(splitJob(job, 2).map((j) => (j.kind === "echo" ? j.connections : 0))).toEqual([3, 2]);
    expect(splitJob({ ...job, connections: 1 }, 3)).toHaveLength(1);
  });

  it("adds counts, keeps the longest window and merges latencies", () => {
    const slow = new LatencyHistogram();
    slow.record(10);
    const merged = mergeResults([
      { completed: 10, bytes: 100, seconds: 1, latency: [] },
      { completed: 5, bytes: 50, seconds: 1.5, latency: slow.toPairs() },
    ]);
    expect(merged).toMatchObject({ completed: 15, bytes: 150, seconds: 1.5 });
    expect(LatencyHistogram.fromPairs(merged.latency).count).toBe(1);
  });
});
