// Command-line options of `pnpm bench`.
import type { Diagnostics } from "./harness/diagnostics.js";
import type { ServerName } from "./harness/server-process.js";
import { WORKLOADS, type Timing, type WorkloadId } from "./workloads.js";

/** What to run. */
export interface BenchOptions {
  quick: boolean;
  /** Measured rounds (after a warm-up round in full mode). */
  rounds: number;
  /** Durations of the unrecorded warm-up round that comes first. */
  warmup: Timing;
  timing: Timing;
  workloads: WorkloadId[];
  /** Load-generator processes. */
  generators: number;
  /** Where the report goes (relative to the repository root); undefined: the results folder. */
  out: string | undefined;
  /** CPU profiles and GC traces of servers, when asked for. */
  diagnostics: Diagnostics | undefined;
}

/** Usage text for --help. */
export const USAGE = `usage: pnpm bench [--quick] [--rounds N] [--only a,b,...] [--generators N] [--idle N]
  --quick          a ~1 minute smoke run: one short round, 2,000 idle connections
  --rounds N       measured rounds (default 5; servers interleaved in each)
  --only LIST      workloads to run, e.g. --only b,f (default all: a-f)
  --generators N   load-generator processes (default 1)
  --idle N         idle connections for (f) (default 10000)
  --out DIR        write the report to DIR instead of bench/results (for runs not meant for the record)
  --cpu-prof       write a CPU profile of each profiled server when it stops
  --trace-gc       log every garbage collection of each profiled server
  --node-flag F    one more node flag for the profiled servers (repeatable), e.g. --node-flag --trace-gc-nvp
  --profile LIST   servers to profile, e.g. fiberws,ws (default fiberws)
  --profile-dir D  where profiles and GC logs go (default bench/profiles)`;

/** The servers `--profile` accepts. */
const SERVER_NAMES: readonly ServerName[] = ["ws", "fiberws", "raw"];
/** Where profiles go unless `--profile-dir` says otherwise (relative to the repository root, like every path given). */
export const DEFAULT_PROFILE_DIR = "bench/profiles";

const FULL: Timing = { warmupMs: 500, measureMs: 2000, idleConnections: 10_000 };
const QUICK: Timing = { warmupMs: 250, measureMs: 700, idleConnections: 2_000 };
/**
 * The warm-up round: every workload against every server once, unrecorded, so that no server
 * meets the generator's code cold. Without it the quick run's churn, whose first server was
 * always fiberws, measured fiberws at 0.63-0.64x `ws`.
 */
const FULL_WARMUP: Timing = { ...FULL, warmupMs: 200, measureMs: 1000 };
const QUICK_WARMUP: Timing = { ...QUICK, warmupMs: 100, measureMs: 400 };

/**
 * Parse the arguments after `pnpm bench`.
 * @param args e.g. ["--quick", "--only", "b"].
 * @returns the options, or "help" for --help.
 * @throws Error for an unknown flag or a bad value (the message says which).
 * @example
 * parseOptions(["--quick"]).rounds; // 1
 */
export function parseOptions(args: readonly string[]): BenchOptions | "help" {
  const quick = args.includes("--quick");
  const options: BenchOptions = {
    quick,
    rounds: quick ? 1 : 5,
    warmup: { ...(quick ? QUICK_WARMUP : FULL_WARMUP) },
    timing: { ...(quick ? QUICK : FULL) },
    workloads: WORKLOADS.map((w) => w.id),
    generators: 1,
    out: undefined,
    diagnostics: undefined,
  };
  const diagnostics: Diagnostics = {
    cpuProf: false,
    traceGc: false,
    nodeFlags: [],
    servers: ["fiberws"],
    dir: DEFAULT_PROFILE_DIR,
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = () => {
      const text = args[++i];
      if (text === undefined) throw new Error(`${flag} needs a value`);
      return text;
    };
    switch (flag) {
      case "--quick":
        break;
      case "--help":
        return "help";
      case "--rounds":
        options.rounds = positiveInteger(flag, value());
        break;
      case "--generators":
        options.generators = positiveInteger(flag, value());
        break;
      case "--idle":
        options.timing.idleConnections = positiveInteger(flag, value());
        break;
      case "--only":
        options.workloads = workloadList(value());
        break;
      case "--out":
        options.out = value();
        break;
      case "--cpu-prof":
        diagnostics.cpuProf = true;
        break;
      case "--trace-gc":
        diagnostics.traceGc = true;
        break;
      case "--node-flag":
        diagnostics.nodeFlags.push(nodeFlag(value()));
        break;
      case "--profile":
        diagnostics.servers = serverList(value());
        break;
      case "--profile-dir":
        diagnostics.dir = value();
        break;
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (diagnostics.cpuProf || diagnostics.traceGc || diagnostics.nodeFlags.length > 0) options.diagnostics = diagnostics;
  return options;
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} wants a positive integer, not ${text}`);
  return n;
}

function workloadList(text: string): WorkloadId[] {
  const known = new Set<string>(WORKLOADS.map((w) => w.id));
  const ids = text.split(",").map((id) => id.trim().toLowerCase());
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(", ")} (choose from a-f)`);
  return WORKLOADS.map((w) => w.id).filter((id) => ids.includes(id));
}

function serverList(text: string): ServerName[] {
  const names = text.split(",").map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(SERVER_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown server ${unknown.join(", ")} (choose from ${SERVER_NAMES.join(", ")})`);
  return SERVER_NAMES.filter((name) => names.includes(name));
}

function nodeFlag(text: string): string {
  if (!text.startsWith("--")) throw new Error(`--node-flag wants a node flag such as --trace-gc-nvp, not ${text}`);
  return text;
}
