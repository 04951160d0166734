// Profiling switches for server processes: which node flags and output files a server gets.
import { join } from "node:path";
import type { ServerName } from "./server-process.js";

/** What to record about the servers while they run, and where. */
export interface Diagnostics {
  /** Write a V8 CPU profile (`.cpuprofile`) of each profiled server when it exits. */
  cpuProf: boolean;
  /** Log every garbage collection of each profiled server (node's `--trace-gc`). */
  traceGc: boolean;
  /** More node flags for the profiled servers (e.g. `--trace-gc-nvp`). */
  nodeFlags: string[];
  /** The servers to profile. */
  servers: ServerName[];
  /** The folder the profiles and GC logs go to (absolute, or relative to the working folder). */
  dir: string;
}

/** How one server process is started for its diagnostics. */
export interface ServerDiagnostics {
  /** Node flags to add before the program. */
  nodeFlags: string[];
  /** A file to receive the process's stdout (where `--trace-gc` writes), or undefined to drop it. */
  stdoutFile: string | undefined;
}

/** A server started without diagnostics. */
export const NO_DIAGNOSTICS: ServerDiagnostics = { nodeFlags: [], stdoutFile: undefined };

/**
 * The node flags and stdout file of one server process. A CPU profile goes to
 * `<dir>/<server>/` (node names the file after the time and pid); a GC trace, and whatever else
 * the process prints (other node flags may print too), to
 * `<dir>/<server>-<pid of the harness>-<n>.gc.log`, one file per process started.
 * @param diagnostics what to record, or undefined for nothing.
 * @param server the server about to start.
 * @param sequence distinguishes the processes of one run (a fresh server per (f) measurement).
 * @returns the flags and stdout file; no flags for a server not being profiled.
 * @example
 * serverDiagnostics({ cpuProf: true, traceGc: false, nodeFlags: [], servers: ["fiberws"], dir: "p" }, "fiberws", 1);
 * // { nodeFlags: ["--cpu-prof", "--cpu-prof-dir=p/fiberws"], stdoutFile: undefined }
 */
export function serverDiagnostics(diagnostics: Diagnostics | undefined, server: ServerName, sequence: number): ServerDiagnostics {
  if (diagnostics === undefined || !diagnostics.servers.includes(server)) return NO_DIAGNOSTICS;
  const nodeFlags: string[] = [];
  if (diagnostics.cpuProf) nodeFlags.push("--cpu-prof", `--cpu-prof-dir=${join(diagnostics.dir, server)}`);
  if (diagnostics.traceGc) nodeFlags.push("--trace-gc");
  nodeFlags.push(...diagnostics.nodeFlags);
  const printsToStdout = diagnostics.traceGc || diagnostics.nodeFlags.length > 0;
  const stdoutFile = printsToStdout ? join(diagnostics.dir, `${server}-${process.pid}-${sequence}.gc.log`) : undefined;
  return { nodeFlags, stdoutFile };
}
