// The load-generator processes: forks them, splits a job among them, merges what they measured.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { all, resource, type Operation } from "effection";
import type { FromGenerator, Job, JobResult } from "../generator/jobs.js";
import { useInbox, type NextMessage } from "../ipc-inbox.js";
import { LatencyHistogram } from "../stats.js";
import { stopProcess } from "./process-exit.js";

const GENERATOR = fileURLToPath(new URL("../generator/generator-main.js", import.meta.url));

/** Runs jobs on the generator processes. */
export interface GeneratorPool {
  /** How many processes share each job. */
  size: number;
  /**
   * Run `job` split across the processes: all set up, then `whileReady` runs (e.g. to measure
   * a server holding idle connections), then all start together.
   * @returns the merged result (histograms merged, counts added, the longest window).
   * @throws Error with the generator's message if any part fails.
   */
  run(job: Job, whileReady?: () => Operation<void>): Operation<JobResult>;
}

interface Generator {
  child: ChildProcess;
  next: NextMessage<FromGenerator>;
}

/**
 * Fork `size` load-generator processes, stopped when the caller's scope ends.
 * @param size how many (one per spare core is plenty).
 * @returns the pool.
 * @example
 * const pool = yield* useGeneratorPool(1);
 * const result = yield* pool.run(job);
 */
export function useGeneratorPool(size: number): Operation<GeneratorPool> {
  return resource(function* (provide) {
    const generators: Generator[] = [];
    try {
      for (let i = 0; i < size; i++) {
        const child = fork(GENERATOR, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
        generators.push({ child, next: yield* useInbox<FromGenerator>(child, "exit") });
      }
      yield* provide({
        size,
        *run(job, whileReady) {
          const shares = splitJob(job, generators.length);
          const working = generators.slice(0, shares.length);
          working.forEach((generator, i) => generator.child.send({ type: "job", job: shares[i] }));
          yield* all(working.map((generator) => expect(generator, "ready")));
          if (whileReady !== undefined) yield* whileReady();
          for (const generator of working) generator.child.send({ type: "go" });
          const results = yield* all(working.map((generator) => expect(generator, "result")));
          return mergeResults(results.map((message) => message.result));
        },
      });
    } finally {
      for (const generator of generators) yield* stopProcess(generator.child, 5_000);
    }
  });
}

/** Wait for a generator's next message, which must be of `type` (an "error" is thrown). */
function* expect<T extends FromGenerator["type"]>(
  generator: Generator,
  type: T,
): Operation<Extract<FromGenerator, { type: T }>> {
  const message = yield* generator.next();
  if (message === undefined) throw new Error("a load generator exited");
  if (message.type === "error") throw new Error(message.message);
  if (message.type !== type) throw new Error(`a load generator sent "${message.type}", expected "${type}"`);
  return message as Extract<FromGenerator, { type: T }>;
}

/**
 * Split a job's connections (or loops) as evenly as possible over `parts` processes.
 * @param job the whole job.
 * @param parts number of processes.
 * @returns one job per process that gets work (fewer than `parts` if there is little).
 */
export function splitJob(job: Job, parts: number): Job[] {
  const total = job.kind === "churn" ? job.loops : job.connections;
  const shares: Job[] = [];
  for (let i = 0; i < parts; i++) {
    const share = Math.floor(total / parts) + (i < total % parts ? 1 : 0);
    if (share === 0) continue;
    shares.push(job.kind === "churn" ? { ...job, loops: share } : { ...job, connections: share });
  }
  return shares;
}

/**
 * Add up the results of the parts of one job.
 * @param results one per process.
 * @returns counts added, the longest window, histograms merged.
 */
export function mergeResults(results: readonly JobResult[]): JobResult {
  const latency = new LatencyHistogram();
  for (const result of results) latency.merge(LatencyHistogram.fromPairs(result.latency));
  return {
    completed: results.reduce((sum, r) => sum + r.completed, 0),
    bytes: results.reduce((sum, r) => sum + r.bytes, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
    latency: latency.toPairs(),
  };
}
