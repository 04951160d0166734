// Runs the rounds: each workload against each server, servers interleaved, failures recorded.
import { scoped, sleep, type Operation } from "effection";
import type { JobResult } from "./generator/jobs.js";
import { processCpuMs } from "./harness/process-cpu.js";
import { serverDiagnostics, type Diagnostics, type ServerDiagnostics } from "./harness/diagnostics.js";
import type { GeneratorPool } from "./harness/generator-pool.js";
import {
  isBuilt,
  useServerProcess,
  type ServerName,
  type ServerProcess,
  type ServerSpec,
} from "./harness/server-process.js";
import type { BenchOptions } from "./options.js";
import type { MemoryReply } from "./servers/memory-messages.js";
import { LatencyHistogram } from "./stats.js";
import { itemOf, WORKLOADS, type Timing, type Workload } from "./workloads.js";

/** One round's throughput figures. */
export interface ThroughputSample {
  /** Messages (or connections) per second. */
  rate: number;
  /** Echoed payload, 10^6 bytes per second. */
  mbps: number;
  /** Latency quantiles in milliseconds. */
  p50: number;
  p99: number;
  /**
   * The server's CPU time per message (or cycle) in microseconds, where /proc tells it: its CPU
   * time over the whole job divided by the messages of the warm-up and the measured window
   * (the warm-up's taken at the measured rate). Robust to a busy machine, unlike the rate.
   */
  cpuUs?: number;
  /**
   * For workloads that time it, the server's median time from a socket read to its next write,
   * in microseconds, over the whole job: its own share of each round trip.
   */
  readToWriteUs?: number;
}

/** One round's memory figures, bytes per idle connection. */
export interface MemorySample {
  rssPerConnection: number;
  heapPerConnection: number;
}

/** A server's figures on one workload. */
export interface ServerRow {
  server: ServerName;
  samples: (ThroughputSample | MemorySample)[];
  /** Why there are no (more) samples: "not built", "failed: ...". */
  note?: string;
}

/** A workload's rows, in server order. */
export interface WorkloadResult {
  workload: Workload;
  rows: ServerRow[];
}

/** Lets the runner report progress (one line per measurement). */
export type Progress = (line: string) => void;

/** How often a server's memory is read while it settles with its idle connections open. */
const IDLE_SETTLE_STEP_MS = 1000;
/** The longest a server is given to settle before its idle memory is taken as it stands. */
const IDLE_SETTLE_MAX_MS = 30_000;
/** Settled: RSS stayed within this fraction over the last {@link IDLE_SETTLED_READS} reads. */
const IDLE_SETTLED_CHANGE = 0.01;
/** How many reads in a row (a step apart) must agree: V8 gives freed pages back in stages. */
const IDLE_SETTLED_READS = 5;

/**
 * Run the selected workloads: long-lived servers for (a)-(e), started one after another; a
 * fresh server per measurement for (f); an optional warm-up round, then `rounds` rounds in
 * which the servers take turns (the order rotates each round).
 * @param specs the servers.
 * @param options what to run.
 * @param pool the load generators.
 * @param progress receives a line per measurement.
 * @returns one result per workload, in order.
 */
export function* runBench(
  specs: readonly ServerSpec[],
  options: BenchOptions,
  pool: GeneratorPool,
  progress: Progress,
): Operation<WorkloadResult[]> {
  const workloads = WORKLOADS.filter((w) => options.workloads.includes(w.id));
  const results = workloads.map((workload) => ({
    workload,
    rows: specs.map((spec): ServerRow => ({ server: spec.name, samples: [], note: isBuilt(spec) ? undefined : "not built" })),
  }));
  const traffic = results.filter((r) => r.workload.id !== "f");
  const idle = results.filter((r) => r.workload.id === "f");
  if (traffic.length > 0) {
    yield* scoped(function* () {
      const servers = yield* startServers(specs, traffic, options.diagnostics, progress);
      yield* runRound(traffic, servers, 0, options.warmup, pool, () => undefined);
      progress("warm-up round done");
      for (let round = 1; round <= options.rounds; round++) {
        yield* runRound(traffic, servers, round, options.timing, pool, (result, row, sample) => {
          row.samples.push(sample);
          progress(`${result.workload.id} ${row.server} round ${round}: ${describe(sample, result.workload.unit)}`);
        });
      }
    });
  }
  for (let round = 1; round <= options.rounds; round++) {
    for (const result of idle) {
      for (const spec of rotate(specs, round)) {
        const row = rowOf(result, spec.name);
        if (row.note !== undefined) continue;
        try {
          const diagnostics = serverDiagnostics(options.diagnostics, spec.name, round + 1);
          const sample = yield* scoped(() => measureIdle(spec, diagnostics, result.workload, options.timing, pool));
          row.samples.push(sample);
          progress(`f ${spec.name} round ${round}: ${describe(sample, "")}`);
        } catch (error) {
          row.note = `failed: ${messageOf(error)}`;
          progress(`f ${spec.name}: ${row.note}`);
        }
      }
    }
  }
  return results;
}

type RecordSample = (result: WorkloadResult, row: ServerRow, sample: ThroughputSample) => void;

/** Start every built server once, one after another; a server that fails is noted in every row. */
function* startServers(
  specs: readonly ServerSpec[],
  results: readonly WorkloadResult[],
  diagnostics: Diagnostics | undefined,
  progress: Progress,
): Operation<Map<ServerName, ServerProcess>> {
  const servers = new Map<ServerName, ServerProcess>();
  for (const spec of specs) {
    if (!isBuilt(spec)) {
      progress(`${spec.name}: not built (${spec.script})`);
      continue;
    }
    try {
      const server = yield* useServerProcess(spec, serverDiagnostics(diagnostics, spec.name, 0));
      servers.set(spec.name, server);
      progress(`${spec.name}: pid ${server.pid}, port ${server.target.port}`);
    } catch (error) {
      for (const result of results) rowOf(result, spec.name).note = `failed to start: ${messageOf(error)}`;
      progress(`${spec.name}: failed to start: ${messageOf(error)}`);
    }
  }
  return servers;
}

/** One round: every workload against every server still healthy, in rotated server order. */
function* runRound(
  results: readonly WorkloadResult[],
  servers: Map<ServerName, ServerProcess>,
  round: number,
  timing: Timing,
  pool: GeneratorPool,
  record: RecordSample,
): Operation<void> {
  for (const result of results) {
    for (const server of rotate([...servers.values()], round)) {
      const row = rowOf(result, server.spec.name);
      if (row.note !== undefined) continue;
      try {
        const job = result.workload.job(server.target, timing);
        const timesReadToWrite = result.workload.timesReadToWrite === true;
        if (timesReadToWrite) server.startReadToWrite();
        const cpuBefore = processCpuMs(server.pid);
        const outcome = yield* scoped(() => pool.run(job));
        const cpuAfter = processCpuMs(server.pid);
        const sample = throughput(outcome);
        if (cpuBefore !== undefined && cpuAfter !== undefined) {
          sample.cpuUs = cpuPerMessageUs(cpuAfter - cpuBefore, outcome, timing);
        }
        if (timesReadToWrite) sample.readToWriteUs = (yield* server.readToWrite()).medianUs;
        record(result, row, sample);
      } catch (error) {
        row.note = `failed: ${messageOf(error)}`;
      }
    }
  }
}

/** Start a fresh server, read its memory, hold idle connections, read it again. */
function* measureIdle(
  spec: ServerSpec,
  diagnostics: ServerDiagnostics,
  workload: Workload,
  timing: Timing,
  pool: GeneratorPool,
): Operation<MemorySample> {
  const server = yield* useServerProcess(spec, diagnostics);
  const before = yield* server.memory();
  let after = before;
  const outcome = yield* pool.run(workload.job(server.target, timing), function* () {
    after = yield* settledMemory(server);
  });
  const connections = outcome.completed;
  return {
    rssPerConnection: (after.rss - before.rss) / connections,
    heapPerConnection: (after.heapUsed - before.heapUsed) / connections,
  };
}

/**
 * A server's memory once it has settled with its idle connections open: read every
 * {@link IDLE_SETTLE_STEP_MS} (each read collects garbage first) until the last five reads of
 * RSS lie within 1% of each other, or {@link IDLE_SETTLE_MAX_MS} has passed. This is what an idle
 * connection costs for as long as it stays open, once the garbage of opening it is collected
 * and V8 has given the pages it freed back; a read right after the connections opened would
 * measure how far the collector had got, which differs from server to server.
 * @param server the server holding the idle connections.
 * @returns the last reading.
 */
function* settledMemory(server: ServerProcess): Operation<MemoryReply> {
  const reads = [yield* server.memory()];
  for (let waited = 0; waited < IDLE_SETTLE_MAX_MS && !settled(reads); waited += IDLE_SETTLE_STEP_MS) {
    yield* sleep(IDLE_SETTLE_STEP_MS);
    reads.push(yield* server.memory());
  }
  return reads[reads.length - 1] as MemoryReply; // at least the first read is there
}

/** Whether the last {@link IDLE_SETTLED_READS} reads of RSS lie within 1% of each other. */
export function settled(reads: readonly MemoryReply[]): boolean {
  if (reads.length < IDLE_SETTLED_READS) return false;
  const recent = reads.slice(-IDLE_SETTLED_READS).map((read) => read.rss);
  const low = Math.min(...recent);
  return Math.max(...recent) - low <= low * IDLE_SETTLED_CHANGE;
}

/**
 * Turn a job's totals into rates and latency quantiles.
 * @param result what the generators measured.
 * @returns the sample.
 */
export function throughput(result: JobResult): ThroughputSample {
  const latency = LatencyHistogram.fromPairs(result.latency);
  return {
    rate: result.completed / result.seconds,
    mbps: result.bytes / result.seconds / 1e6,
    p50: latency.quantileMs(0.5),
    p99: latency.quantileMs(0.99),
  };
}

/**
 * A server's CPU time per message over a whole job, warm-up included.
 * @param cpuMs the server's CPU time during the job.
 * @param result what the generators measured (in the measured window only).
 * @param timing the warm-up and measured window lengths.
 * @returns microseconds per message (or cycle); 0 if none completed.
 * @example
 * cpuPerMessageUs(700, { completed: 6000, bytes: 0, seconds: 3, latency: [] }, { warmupMs: 500, measureMs: 3000, idleConnections: 0 }); // 100
 */
export function cpuPerMessageUs(cpuMs: number, result: JobResult, timing: Timing): number {
  if (result.completed === 0) return 0;
  const messages = result.completed * ((timing.warmupMs + timing.measureMs) / timing.measureMs);
  return (cpuMs * 1000) / messages;
}

/**
 * `items` rotated left by `round` places, so each server takes a turn going first.
 * @param items the list.
 * @param round the round number.
 * @returns a new list.
 */
export function rotate<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function rowOf(result: WorkloadResult, server: ServerName): ServerRow {
  const row = result.rows.find((r) => r.server === server);
  if (row === undefined) throw new Error(`no row for ${server}`);
  return row;
}

function describe(sample: ThroughputSample | MemorySample, unit: string): string {
  if ("rate" in sample) {
    const cpu = sample.cpuUs === undefined ? "" : `, server CPU ${sample.cpuUs.toFixed(1)} us/${itemOf(unit)}`;
    const readToWrite = sample.readToWriteUs === undefined ? "" : `, server read to write ${sample.readToWriteUs.toFixed(1)} us`;
    return `${Math.round(sample.rate)} ${unit}, p50 ${sample.p50.toFixed(3)} ms${cpu}${readToWrite}`;
  }
  return `${(sample.rssPerConnection / 1024).toFixed(1)} KiB RSS, ${(sample.heapPerConnection / 1024).toFixed(1)} KiB heap per connection`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
