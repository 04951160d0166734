import { describe, expect, it } from "vitest";
import { parseOptions } from "./options.js";

describe("parseOptions", () => {
  it("runs every workload for three rounds after a warm-up by default", () => {
    expect(parseOptions([])).toMatchObject({
      quick: false,
      rounds: 3,
      warmupRound: true,
      workloads: ["a", "b", "c", "d", "e", "f"],
      timing: { idleConnections: 10_000 },
    });
  });

  it("makes --quick one short round without a warm-up round", () => {
    const options = parseOptions(["--quick"]);
    expect(options).toMatchObject({ quick: true, rounds: 1, warmupRound: false });
    expect(options !== "help" && options.timing.measureMs).toBeLessThan(1000);
  });

  it("selects workloads in their own order and takes counts", () => {
    expect(parseOptions(["--only", "f,B", "--rounds", "5", "--idle", "300"])).toMatchObject({
      workloads: ["b", "f"],
      rounds: 5,
      timing: { idleConnections: 300 },
    });
  });

  it("rejects unknown flags, unknown workloads and bad counts", () => {
    expect(() => parseOptions(["--fast"])).toThrow(/unknown option --fast/);
    expect(() => parseOptions(["--only", "g"])).toThrow(/unknown workload g/);
    expect(() => parseOptions(["--rounds", "0"])).toThrow(/positive integer/);
    expect(() => parseOptions(["--rounds"])).toThrow(/needs a value/);
  });
});
