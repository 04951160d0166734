// The jobs a load-generator process runs, and the IPC messages that carry them.
import type { DataOpcode } from "./frames.js";
import type { EchoTarget } from "./echo-connection.js";

/** Keep `connections` connections each with `depth` messages of `size` bytes in flight. */
export interface EchoJob {
  kind: "echo";
  target: EchoTarget;
  connections: number;
  depth: number;
  opcode: DataOpcode;
  size: number;
  warmupMs: number;
  measureMs: number;
}

/** `loops` parallel loops of connect, upgrade, one echo of `size` bytes, close handshake. */
export interface ChurnJob {
  kind: "churn";
  target: EchoTarget;
  loops: number;
  size: number;
  warmupMs: number;
  measureMs: number;
}

/** Open `connections` connections and hold them idle until told to go. */
export interface IdleJob {
  kind: "idle";
  target: EchoTarget;
  connections: number;
}

/** Any job. */
export type Job = EchoJob | ChurnJob | IdleJob;

/** What a job measured. */
export interface JobResult {
  /** Echoes (echo job), connection cycles (churn) or connections held (idle). */
  completed: number;
  /** Payload bytes echoed during the measured window. */
  bytes: number;
  /** Length of the measured window. */
  seconds: number;
  /** Latency histogram as `LatencyHistogram.toPairs()`. */
  latency: [number, number][];
}

/** Harness → generator. A job is answered with "ready" once set up; "go" starts (or releases) it. */
export type ToGenerator = { type: "job"; job: Job } | { type: "go" };

/** Generator → harness. */
export type FromGenerator =
  | { type: "ready" }
  | { type: "result"; result: JobResult }
  | { type: "error"; message: string };
