import { describe, expect, it } from "vitest";
import { parseProcStatCpuMs, processCpuMs } from "./process-cpu.js";

describe("process CPU time", () => {
  it("adds user and system ticks of a stat line, in ms", () => {
    expect(parseProcStatCpuMs("42 (node) S 1 42 42 0 -1 4194304 900 0 0 0 150 25 0 0 20 0 11 0 300")).toBe(1750);
  });

  it("finds the fields after a command name holding spaces and parentheses", () => {
    expect(parseProcStatCpuMs("7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0")).toBe(70);
  });

  it("says undefined for text that is not a stat line", () => {
    expect(parseProcStatCpuMs("no such thing")).toBeUndefined();
  });

  it.runIf(process.platform === "linux")("reads this process's own time, which only grows", () => {
    const before = processCpuMs(process.pid) ?? -1;
    let spin = 0;
    for (const end = Date.now() + 30; Date.now() < end; ) spin++;
    expect(spin).toBeGreaterThan(0);
    expect(processCpuMs(process.pid)).toBeGreaterThanOrEqual(before);
    expect(before).toBeGreaterThanOrEqual(0);
  });
});
