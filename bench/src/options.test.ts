import { describe, expect, it } from "vitest";
import { parseOptions } from "./options.js";

describe("parseOptions", () => {
  it("runs every workload for five rounds after a warm-up by default", () => {
    expect(parseOptions([])).toMatchObject({
      quick: false,
      rounds: 5,
      warmup: { warmupMs: 200, measureMs: 1000 },
      workloads: ["a", "b", "c", "d", "e", "f"],
      timing: { idleConnections: 10_000 },
    });
  });

  it("makes --quick one short round after a shorter warm-up round", () => {
    const options = parseOptions(["--quick"]);
    if (options === "help") throw new Error("--quick is not a request for help");
    expect(options).toMatchObject({ quick: true, rounds: 1 });
    expect(options.timing.measureMs).toBeLessThan(1000);
    expect(options.warmup.measureMs).toBeLessThan(options.timing.measureMs);
  });

  it("selects workloads in their own order and takes counts", () => {
    expect(parseOptions(["--only", "f,B", "--rounds", "5", "--idle", "300"])).toMatchObject({
      workloads: ["b", "f"],
      rounds: 5,
      timing: { idleConnections: 300 },
    });
  });

  it("profiles nothing unless --cpu-prof or --trace-gc asks for it", () => {
    expect(parseOptions(["--profile", "ws"])).toMatchObject({ diagnostics: undefined, out: undefined });
  });

  it("profiles the fiberws server into bench/profiles with --cpu-prof", () => {
    expect(parseOptions(["--cpu-prof"])).toMatchObject({
      diagnostics: { cpuProf: true, traceGc: false, nodeFlags: [], servers: ["fiberws"], dir: "bench/profiles" },
    });
  });

  it("passes any other node flag to the profiled servers", () => {
    expect(parseOptions(["--node-flag", "--trace-gc-nvp", "--node-flag", "--max-semi-space-size=1"])).toMatchObject({
      diagnostics: { cpuProf: false, traceGc: false, nodeFlags: ["--trace-gc-nvp", "--max-semi-space-size=1"] },
    });
  });

  it("traces the named servers' garbage collection into the folder given, and writes the report elsewhere", () => {
    expect(parseOptions(["--trace-gc", "--profile", "WS,fiberws", "--profile-dir", "p", "--out", "o"])).toMatchObject({
      out: "o",
      diagnostics: { cpuProf: false, traceGc: true, servers: ["ws", "fiberws"], dir: "p" },
    });
  });

  it("rejects unknown flags, unknown workloads and bad counts", () => {
    expect(() => parseOptions(["--fast"])).toThrow(/unknown option --fast/);
    expect(() => parseOptions(["--only", "g"])).toThrow(/unknown workload g/);
    expect(() => parseOptions(["--rounds", "0"])).toThrow(/positive integer/);
    expect(() => parseOptions(["--rounds"])).toThrow(/needs a value/);
    expect(() => parseOptions(["--cpu-prof", "--profile", "uws"])).toThrow(/unknown server uws/);
    expect(() => parseOptions(["--out"])).toThrow(/needs a value/);
    expect(() => parseOptions(["--node-flag", "trace-gc"])).toThrow(/wants a node flag/);
  });
});
