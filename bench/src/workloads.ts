// The six workloads of the benchmark and the goal each sets for fiberws relative to ws.
import { WS_MSG_BINARY, WS_MSG_TEXT } from "@fiberws/core";
import type { EchoTarget } from "./generator/echo-connection.js";
import type { Job } from "./generator/jobs.js";

/** Workload letters, as in the benchmark issue. */
export type WorkloadId = "a" | "b" | "c" | "d" | "e" | "f";

/** Which figure a goal compares: throughput, median latency, or memory per idle connection. */
export type GoalMetric = "rate" | "p50" | "rss";

/** A goal: fiberws's figure divided by ws's must be at least (rate) or at most (p50, rss) `ratio`. */
export interface Goal {
  metric: GoalMetric;
  ratio: number;
}

/** Durations and sizes that depend on the mode (full or quick). */
export interface Timing {
  warmupMs: number;
  measureMs: number;
  idleConnections: number;
}

/** One workload. */
export interface Workload {
  id: WorkloadId;
  title: string;
  /** Unit of the rate column: "msgs/s" or "conns/s" (unused for memory). */
  unit: string;
  goal: Goal;
  /**
   * Whether the server also times each socket read to its next write: the server's own share
   * of a round trip, which only a single connection in ping-pong isolates (workload a).
   */
  timesReadToWrite?: boolean;
  /**
   * The generator job for a server.
   * @param target the server's echo endpoint.
   * @param timing durations and sizes.
   * @returns the job.
   */
  job(target: EchoTarget, timing: Timing): Job;
}

/**
 * What one count of a rate unit is, for figures per message or per connection.
 * @param unit a workload's rate unit.
 * @returns "conn" for "conns/s", else "msg".
 */
export function itemOf(unit: string): string {
  return unit === "conns/s" ? "conn" : "msg";
}

function echo(connections: number, depth: number, opcode: 1 | 2, size: number) {
  return (target: EchoTarget, timing: Timing): Job => ({
    kind: "echo",
    target,
    connections,
    depth,
    opcode,
    size,
    warmupMs: timing.warmupMs,
    measureMs: timing.measureMs,
  });
}

/** All workloads, (a) to (f). */
export const WORKLOADS: readonly Workload[] = [
  {
    id: "a",
    title: "(a) 1 connection, 64 B text, ping-pong (latency)",
    unit: "msgs/s",
    goal: { metric: "p50", ratio: 1.0 },
    timesReadToWrite: true,
    job: echo(1, 1, WS_MSG_TEXT, 64),
  },
  {
    id: "b",
    title: "(b) 100 connections, 64 B text, 16 in flight each (throughput)",
    unit: "msgs/s",
    goal: { metric: "rate", ratio: 4.0 },
    job: echo(100, 16, WS_MSG_TEXT, 64),
  },
  {
    id: "c",
    title: "(c) 10 connections, 64 KiB binary, 4 in flight each",
    unit: "msgs/s",
    goal: { metric: "rate", ratio: 1.0 },
    job: echo(10, 4, WS_MSG_BINARY, 64 * 1024),
  },
  {
    id: "d",
    title: "(d) 1 connection, 1 MiB binary, ping-pong",
    unit: "msgs/s",
    goal: { metric: "rate", ratio: 1.0 },
    job: echo(1, 1, WS_MSG_BINARY, 1024 * 1024),
  },
  {
    id: "e",
    title: "(e) churn: connect, upgrade, one 64 B echo, close handshake; 8 parallel loops",
    unit: "conns/s",
    goal: { metric: "rate", ratio: 1.0 },
    job: (target, timing) => ({
      kind: "churn",
      target,
      loops: 8,
      size: 64,
      warmupMs: timing.warmupMs,
      measureMs: timing.measureMs,
    }),
  },
  {
    id: "f",
    title: "(f) idle connections: server memory per connection",
    unit: "per connection",
    goal: { metric: "rss", ratio: 1.5 },
    job: (target, timing) => ({ kind: "idle", target, connections: timing.idleConnections }),
  },
];
