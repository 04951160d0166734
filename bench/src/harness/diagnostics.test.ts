import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NO_DIAGNOSTICS, serverDiagnostics, type Diagnostics } from "./diagnostics.js";

const both: Diagnostics = { cpuProf: true, traceGc: true, nodeFlags: [], servers: ["fiberws"], dir: "profiles" };

describe("serverDiagnostics", () => {
  it("starts a server plainly when nothing is profiled", () => {
    expect(serverDiagnostics(undefined, "fiberws", 0)).toEqual(NO_DIAGNOSTICS);
  });

  it("leaves the servers not named alone", () => {
    expect(serverDiagnostics(both, "ws", 0)).toEqual(NO_DIAGNOSTICS);
  });

  it("gives a profiled server a CPU profile folder of its own and a GC log per process", () => {
    const first = serverDiagnostics(both, "fiberws", 0);
    expect(first.nodeFlags).toEqual(["--cpu-prof", `--cpu-prof-dir=${join("profiles", "fiberws")}`, "--trace-gc"]);
    expect(first.stdoutFile).toMatch(/^profiles[/\\]fiberws-\d+-0\.gc\.log$/);
    expect(serverDiagnostics(both, "fiberws", 1).stdoutFile).not.toBe(first.stdoutFile);
  });

  it("adds the other node flags after the profiling ones and keeps what they print", () => {
    const traced = serverDiagnostics({ ...both, cpuProf: false, traceGc: false, nodeFlags: ["--trace-gc-nvp"] }, "fiberws", 0);
    expect(traced.nodeFlags).toEqual(["--trace-gc-nvp"]);
    expect(traced.stdoutFile).toBeDefined();
  });

  it("keeps stdout dropped when only a CPU profile is asked for", () => {
    expect(serverDiagnostics({ ...both, traceGc: false }, "fiberws", 0).stdoutFile).toBeUndefined();
  });
});
