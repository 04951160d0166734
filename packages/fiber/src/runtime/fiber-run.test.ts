import { Ok, type Effect, type Operation } from "effection";
import { describe, expect, it } from "vitest";
import type { FiberRecord } from "./fiber.js";
import { FiberRun } from "./fiber-run.js";

/** The parts of a fiber its run reports to, recording what it is told. */
function stubFiber(): FiberRecord & { told: string[] } {
  const told: string[] = [];
  const fiber = {
    told,
    state: "queued",
    hasSlot: true,
    driver: undefined,
    begin() {
      told.push("begin");
      fiber.state = "running";
    },
    fail(error: unknown) {
      told.push(`fail ${(error as Error).message}`);
      fiber.state = "failed";
    },
    end() {
      told.push(`end ${fiber.state}`);
    },
  };
  return fiber as unknown as FiberRecord & { told: string[] };
}

/** One instruction for the body to yield (the run hands it out; nothing here performs it). */
const step: Effect<void> = {
  description: "a step",
  enter(resolve) {
    resolve(Ok());
    return (exited) => exited(Ok());
  },
};

/** A body recording that it started and how it ended; it yields one instruction in between. */
function body(log: string[]): () => Operation<void> {
  return function* () {
    log.push("started");
    try {
      yield step;
      log.push("returned");
    } finally {
      log.push("cleaned up");
    }
  };
}

describe("a fiber's run", () => {
  it("starts the body at the first step and ends the fiber once, done, when the body returns", () => {
    const fiber = stubFiber();
    const log: string[] = [];
    const run = new FiberRun(fiber, body(log), 0, false);
    expect(run.next().done).toBe(false);
    expect(run.next().done).toBe(true);
    expect(run.next().done).toBe(true);
    expect(log).toEqual(["started", "returned", "cleaned up"]);
    expect(fiber.told).toEqual(["begin", "end done"]);
  });

  it("never starts a body halted or failed before its first step, and ends the fiber", () => {
    const halted = stubFiber();
    const log: string[] = [];
    expect(new FiberRun(halted, body(log), 0, false).return().done).toBe(true);
    expect(halted.told).toEqual(["end queued"]);
    const failed = stubFiber();
    expect(new FiberRun(failed, body(log), 0, false).throw(new Error("refused")).done).toBe(true);
    expect(failed.told).toEqual(["fail refused", "end failed"]);
    expect(log).toEqual([]);
  });

  it("runs the cleanup of a halted body and fails the fiber, not its carrier, when the body throws", () => {
    const halted = stubFiber();
    const log: string[] = [];
    const run = new FiberRun(halted, body(log), 0, false);
    run.next();
    // Its driver marks a halted body before returning it.
    Object.assign(halted, { driver: { halting: true } });
    expect(run.return().done).toBe(true);
    expect(log).toEqual(["started", "cleaned up"]);
    expect(halted.told).toEqual(["begin", "end running"]);
    const failed = stubFiber();
    const thrown = new FiberRun(failed, body([]), 0, false);
    thrown.next();
    expect(thrown.throw(new Error("broke")).done).toBe(true);
    expect(failed.told).toEqual(["begin", "fail broke", "end failed"]);
  });

  it("ends the fiber once, even when ending throws, and throws an error given after the end back out", () => {
    const fiber = stubFiber();
    const end = fiber.end.bind(fiber);
    Object.assign(fiber, {
      end() {
        end();
        throw new Error("onEnd threw");
      },
    });
    const run = new FiberRun(fiber, body([]), 0, false);
    run.next();
    expect(() => run.next()).toThrow("onEnd threw");
    expect(fiber.told).toEqual(["begin", "end done"]);
    expect(() => run.throw(new Error("late"))).toThrow("late");
    expect(run.next().done).toBe(true);
    expect(fiber.told).toEqual(["begin", "end done"]);
  });
});
