import { describe, expect, it } from "vitest";
import { run, sleep, spawn, suspend } from "effection";
import { rGetFiberStats, useFiberLimits } from "@fiberws/fiber";
import { FiberStarter } from "./fiber-starter.js";

describe("FiberStarter", () => {
  it("runs each started body as a counted fiber and is idle once they have all returned", async () => {
    const finished: string[] = [];
    await run(function* () {
      const starter = new FiberStarter(0);
      yield* spawn(() => starter.run());
      const before = rGetFiberStats().started;
      for (const name of ["a", "b", "c"]) {
        starter.start(
          name,
          function* () {
            yield* sleep(10);
            finished.push(name);
          },
          function* () {},
        );
      }
      yield* sleep(0);
      expect(starter.running).toBe(3);
      yield* starter.whenIdle();
      expect(starter.running).toBe(0);
      expect(rGetFiberStats().started - before).toBe(3);
    });
    expect(finished.sort()).toEqual(["a", "b", "c"]);
  });

  it("halts every fiber still running, running their cleanup", async () => {
    const cleaned: string[] = [];
    await run(function* () {
      const starter = new FiberStarter(0);
      yield* spawn(() => starter.run());
      for (const name of ["x", "y"]) {
        starter.start(
          name,
          function* () {
            try {
              yield* suspend();
            } finally {
              cleaned.push(name);
            }
          },
          function* () {},
        );
      }
      yield* sleep(0);
      yield* starter.haltAll();
      yield* starter.whenIdle();
      expect(starter.running).toBe(0);
    });
    expect(cleaned.sort()).toEqual(["x", "y"]);
  });

  it("runs the refusal instead of the body when no fiber slot comes within the queue timeout", async () => {
    const ran: string[] = [];
    await run(function* () {
      yield* useFiberLimits(1);
      const starter = new FiberStarter(30);
      yield* spawn(() => starter.run());
      starter.start("holder", () => sleep(200), function* () {});
      starter.start(
        "late",
        function* () {
          ran.push("body");
        },
        function* () {
          ran.push("refused");
        },
      );
      yield* sleep(100);
      expect(ran).toEqual(["refused"]);
      expect(starter.running).toBe(1);
      yield* starter.haltAll();
    });
  });
});
