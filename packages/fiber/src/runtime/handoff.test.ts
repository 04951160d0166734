import { run, sleep, type Operation } from "effection";
import { describe, expect, it } from "vitest";
import { spawnFiber, type Fiber } from "./fiber.js";
import { resumeFiber, rResumeFiber, rYieldFiber, yieldFiber } from "./handoff.js";

describe("yieldFiber and resumeFiber", () => {
  it("wakes a parked fiber with the resumer's value and answers with its next yield", async () => {
    const log: unknown[] = [];
    await run(function* () {
      const fiber = yield* spawnFiber("worker", function* () {
        const first = yield* yieldFiber("parked");
        log.push(`worker got ${String(first)}`);
        const second = yield* yieldFiber("next");
        log.push(`worker got ${String(second)}`);
      });
      yield* sleep(1);
      expect(fiber.state).toBe("running");
      log.push(`main got ${String(yield* resumeFiber(fiber, "x"))}`);
      log.push(`main got ${String(yield* resumeFiber(fiber, "y"))}`);
    });
    expect(log).toEqual(["worker got x", "main got next", "worker got y", "main got undefined"]);
  });

  it("keeps a resume that comes before the yield: the yield returns at once and the resumer gets its value", async () => {
    const log: unknown[] = [];
    await run(function* () {
      const fiber = yield* spawnFiber("late-yielder", function* () {
        yield* sleep(5);
        const got = yield* rYieldFiber("from worker");
        log.push(`worker got ${String(got)} without waiting`);
      });
      log.push(`main got ${String(yield* rResumeFiber(fiber, "from main"))}`);
      yield* sleep(1);
    });
    expect(log.sort()).toEqual(["main got from worker", "worker got from main without waiting"]);
  });

  it("hands values back and forth between two fibers, in order", async () => {
    const received: unknown[] = [];
    await run(function* () {
      const producer = yield* spawnFiber("producer", function* () {
        let reply = yield* yieldFiber(undefined);
        for (let i = 1; i <= 3; i++) reply = yield* yieldFiber(`${String(reply)}->${i}`);
      });
      const consumer = yield* spawnFiber("consumer", function* () {
        yield* sleep(1);
        for (const ask of ["a", "b", "c"]) received.push(yield* resumeFiber(producer, ask));
      });
      while (consumer.state !== "done") yield* sleep(1);
    });
    expect(received).toEqual(["a->1", "b->2", "c->3"]);
  });

  it("answers undefined to a resumer when the fiber ends, and at once for an ended fiber", async () => {
    await run(function* () {
      const fiber = yield* spawnFiber("short", function* () {
        yield* yieldFiber("only");
      });
      yield* sleep(1);
      expect(yield* resumeFiber(fiber, "go")).toBeUndefined();
      expect(fiber.state).toBe("done");
      expect(yield* resumeFiber(fiber, "again")).toBeUndefined();
    });
  });

  it("refuses a yield outside every fiber and a fiber resuming itself", async () => {
    await expect(run(() => yieldFiber(1))).rejects.toThrow(/not called from inside a fiber/);
    let error: unknown;
    await run(function* () {
      const fiber: Fiber = yield* spawnFiber("selfish", function* (): Operation<void> {
        try {
          yield* resumeFiber(fiber, 1);
        } catch (caught) {
          error = caught;
        }
      });
      yield* sleep(1);
    });
    expect(String(error)).toMatch(/cannot resume itself/);
  });
});
