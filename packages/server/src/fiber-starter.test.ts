import { describe, expect, it } from "vitest";
import { run, sleep, suspend, until, useScope, type Operation } from "effection";
import { rGetFiberStats, useFiberLimits } from "@fiberws/fiber";
import { FiberStarter } from "./fiber-starter.js";

/** Run `fn` as `node:http` runs its callbacks: from the event loop, outside every operation. */
function inCallback(fn: () => void): Operation<void> {
  return until(
    new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        try {
          fn();
          resolve();
        } catch (error) {
          reject(error);
        }
      }),
    ),
  );
}

const noRefusal = function* (): Operation<void> {};

describe("FiberStarter", () => {
  it("starts each body as a counted fiber inside start() and is idle once they have all returned", async () => {
    const began: string[] = [];
    const finished: string[] = [];
    await run(function* () {
      const starter = new FiberStarter(yield* useScope(), 0);
      const before = rGetFiberStats().started;
      yield* inCallback(() => {
        for (const name of ["a", "b", "c"]) {
          const body = function* () {
            began.push(name);
            yield* sleep(10);
            finished.push(name);
          };
          starter.start(name, body, noRefusal);
          expect(began).toContain(name); // started inside start(), not on a later turn
        }
      });
      expect(starter.running).toBe(3);
      yield* starter.whenIdle();
      expect(starter.running).toBe(0);
      expect(rGetFiberStats().started - before).toBe(3);
    });
    expect(finished.sort()).toEqual(["a", "b", "c"]);
  });

  it("does not count a body that returns without waiting as running", async () => {
    await run(function* () {
      const starter = new FiberStarter(yield* useScope(), 0);
      let ran = false;
      yield* inCallback(() => {
        starter.start("instant", function* () {
          ran = true;
        }, noRefusal);
      });
      expect(ran).toBe(true);
      expect(starter.running).toBe(0);
      yield* starter.whenIdle();
    });
  });

  it("halts every fiber still running, running their cleanup", async () => {
    const cleaned: string[] = [];
    await run(function* () {
      const starter = new FiberStarter(yield* useScope(), 0);
      yield* inCallback(() => {
        for (const name of ["x", "y"]) {
          const body = function* () {
            try {
              yield* suspend();
            } finally {
              cleaned.push(name);
            }
          };
          starter.start(name, body, noRefusal);
        }
      });
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
      const starter = new FiberStarter(yield* useScope(), 30);
      yield* inCallback(() => {
        starter.start("holder", () => sleep(200), noRefusal);
        const late = function* () {
          ran.push("body");
        };
        starter.start("late", late, function* () {
          ran.push("refused");
        });
      });
      yield* sleep(100);
      expect(ran).toEqual(["refused"]);
      expect(starter.running).toBe(1);
      yield* starter.haltAll();
    });
  });
});
