// Runs one load-generator job: set up connections, wait for the start signal, measure, tear down.
import { performance } from "node:perf_hooks";
import { all, race, resource, sleep, spawn, type Operation, type Task } from "effection";
import { WS_MSG_TEXT } from "@fiberws/core";
import { EchoConnection, type EchoCounters, type EchoTarget } from "./echo-connection.js";
import { FrameTrain, makeEchoMessages } from "./frames.js";
import type { ChurnJob, EchoJob, IdleJob, Job, JobResult } from "./jobs.js";
import { LatencyHistogram } from "../stats.js";

/** Connections opened at once: enough to be quick, few enough not to overflow accept queues. */
const OPEN_BATCH = 200;
/** How long in-flight echoes and close handshakes may take at the end of a job. */
const SETTLE_MS = 15_000;
/** Distinct messages cycled through (at least the pipeline depth). */
const MIN_DISTINCT = 4;

/**
 * Run a job. `ready` is called once its connections are open; `go` completes when the harness
 * says to start (for an idle job: to release the connections).
 * @param job what to run.
 * @param ready called when set up.
 * @param go completes on the start signal.
 * @returns the measurements.
 * @throws Error on a failed upgrade, an echo mismatch, a dropped connection or a stall.
 * @example
 * const result = yield* runJob(job, () => send({ type: "ready" }), nextGo());
 */
export function* runJob(job: Job, ready: () => void, go: Operation<void>): Operation<JobResult> {
  switch (job.kind) {
    case "echo":
      return yield* runEchoJob(job, ready, go);
    case "churn":
      return yield* runChurnJob(job, ready, go);
    case "idle":
      return yield* runIdleJob(job, ready, go);
  }
}

function* runEchoJob(job: EchoJob, ready: () => void, go: Operation<void>): Operation<JobResult> {
  const train = new FrameTrain(makeEchoMessages(job.opcode, job.size, Math.max(job.depth, MIN_DISTINCT)));
  const counters: EchoCounters = { recording: false, echoes: 0, bytes: 0, latency: new LatencyHistogram() };
  const connections = yield* useEchoConnections(job.target, train, job.connections, counters);
  ready();
  yield* go;
  for (const connection of connections) connection.run(job.depth);
  yield* sleep(job.warmupMs);
  counters.recording = true;
  const start = performance.now();
  yield* sleep(job.measureMs);
  counters.recording = false;
  const seconds = (performance.now() - start) / 1000;
  for (const connection of connections) connection.stop();
  yield* within(SETTLE_MS, "draining the last echoes", all(connections.map((c) => c.drained)));
  yield* within(SETTLE_MS, "the close handshakes", all(connections.map((c) => c.close())));
  return { completed: counters.echoes, bytes: counters.bytes, seconds, latency: counters.latency.toPairs() };
}

function* runChurnJob(job: ChurnJob, ready: () => void, go: Operation<void>): Operation<JobResult> {
  const train = new FrameTrain(makeEchoMessages(WS_MSG_TEXT, job.size, 1));
  const latency = new LatencyHistogram();
  const state = { recording: false, stopped: false, cycles: 0 };
  ready();
  yield* go;
  const loops: Task<void>[] = [];
  for (let i = 0; i < job.loops; i++) {
    loops.push(
      yield* spawn(function* () {
        while (!state.stopped) {
          const start = performance.now();
          yield* echoOnceAndClose(job.target, train);
          if (state.recording) {
            latency.record(performance.now() - start);
            state.cycles++;
          }
        }
      }),
    );
  }
  yield* sleep(job.warmupMs);
  state.recording = true;
  const start = performance.now();
  yield* sleep(job.measureMs);
  state.recording = false;
  const seconds = (performance.now() - start) / 1000;
  state.stopped = true;
  yield* within(SETTLE_MS, "the last churn cycles", all(loops));
  return { completed: state.cycles, bytes: state.cycles * job.size, seconds, latency: latency.toPairs() };
}

function* runIdleJob(job: IdleJob, ready: () => void, go: Operation<void>): Operation<JobResult> {
  const train = new FrameTrain(makeEchoMessages(WS_MSG_TEXT, 1, 1));
  const start = performance.now();
  const connections = yield* useEchoConnections(job.target, train, job.connections, undefined);
  const seconds = (performance.now() - start) / 1000;
  ready();
  yield* go;
  return { completed: connections.length, bytes: 0, seconds, latency: [] };
}

/** One churn cycle: connect, upgrade, one echo, close handshake, TCP closed. */
function* echoOnceAndClose(target: EchoTarget, train: FrameTrain): Operation<void> {
  const connection = new EchoConnection(target, train);
  try {
    yield* connection.upgraded;
    connection.run(1, 1);
    yield* connection.drained;
    yield* connection.close();
  } finally {
    connection.destroy();
  }
}

/**
 * Open `count` upgraded connections (in batches) that are destroyed when the caller's scope ends.
 * @returns the connections, all upgraded.
 */
function useEchoConnections(
  target: EchoTarget,
  train: FrameTrain,
  count: number,
  counters: EchoCounters | undefined,
): Operation<EchoConnection[]> {
  return resource(function* (provide) {
    const connections: EchoConnection[] = [];
    try {
      while (connections.length < count) {
        const batch: EchoConnection[] = [];
        while (batch.length < OPEN_BATCH && connections.length + batch.length < count) {
          batch.push(new EchoConnection(target, train, counters));
        }
        connections.push(...batch);
        yield* within(SETTLE_MS, "opening connections", all(batch.map((c) => c.upgraded)));
      }
      yield* provide(connections);
    } finally {
      for (const connection of connections) connection.destroy();
    }
  });
}

/** Run `operation`, failing with a clear message if it takes longer than `ms`. */
function* within<T>(ms: number, what: string, operation: Operation<T>): Operation<T> {
  return yield* race([
    operation,
    (function* (): Operation<T> {
      yield* sleep(ms);
      throw new Error(`${what} took longer than ${ms} ms`);
    })(),
  ]);
}
