import { createContext, Err, ensure, run, scoped, sleep, spawn, suspend, until } from "effection";
import type { Coroutine, Effect, Operation } from "effection";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { rGetFiber, spawnFiber, type Fiber } from "./fiber.js";
import { currentCoroutine, IdleWait } from "./hibernate.js";
import { HIBERNATION_SWEEP_MS } from "./home.js";
import { idle } from "./idle.test-helpers.js";
import { rGetFiberStats } from "./limits.js";
import { setLogDestination } from "./log.js";

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  setLogDestination((line) => logged.push(line));
  // Only the hibernation sweeps run on fake time; effection's own timers stay real.
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
});
afterEach(() => {
  vi.useRealTimers();
  setLogDestination("stdout");
});

/** Let every fiber woken (or asked to hibernate) so far run until it waits again. */
function settle(): Operation<void> {
  return sleep(1);
}

/** Run the sweeps until fibers idle with a `hibernateAfter` of 10 ms have hibernated. */
function* sweepPastTenMs(): Operation<void> {
  yield* settle();
  vi.advanceTimersByTime(3 * HIBERNATION_SWEEP_MS);
  yield* settle();
}

/**
 * A fiber body that waits idle (hibernating after 10 ms) and whose cleanup takes `ms`,
 * recording `<label>started` and `<label>finished` in `log`.
 */
function sleeper(log: string[], ms: number, label = ""): () => Operation<void> {
  return function* () {
    try {
      yield* idle(new IdleWait(10));
    } finally {
      log.push(`${label}started`);
      yield* sleep(ms);
      log.push(`${label}finished`);
    }
  };
}

/** `body`, recording each value it is resumed with in `values`, as a frame above it sees them. */
function recordingResumes(body: () => Operation<void>, values: unknown[]): Operation<void> {
  return {
    [Symbol.iterator]() {
      const inner = body()[Symbol.iterator]();
      return {
        next(value?: unknown) {
          values.push(value);
          return inner.next(value);
        },
        return(value?: unknown) {
          return (inner.return as (value?: unknown) => IteratorResult<Effect<unknown>, void>)(value);
        },
        throw(error?: unknown) {
          return (inner.throw as (error?: unknown) => IteratorResult<Effect<unknown>, void>)(error);
        },
      };
    },
  };
}

describe("hibernation", () => {
  it("hibernates a fiber idle for hibernateAfter ms and resumes it where it waited, as the same fiber", async () => {
    await run(function* () {
      const wait = new IdleWait(100);
      const woken: number[] = [];
      const selves: (Fiber | undefined)[] = [];
      const fiber = yield* spawnFiber("idle", function* () {
        let count = 0;
        for (;;) {
          yield* idle(wait);
          woken.push(++count);
          selves.push(yield* rGetFiber());
        }
      });
      yield* settle();
      vi.advanceTimersByTime(HIBERNATION_SWEEP_MS);
      yield* settle();
      expect(fiber.hibernating).toBe(false);
      vi.advanceTimersByTime(100);
      yield* settle();
      expect(fiber.hibernating).toBe(true);
      expect(rGetFiberStats().hibernating).toBe(1);

      wait.wake();
      yield* settle();
      expect(fiber.hibernating).toBe(false);
      expect(rGetFiberStats().hibernating).toBe(0);
      wait.wake();
      yield* settle();
      expect(woken).toEqual([1, 2]);
      expect(selves).toEqual([fiber, fiber]);
      expect(fiber.state).toBe("running");
      yield* until(fiber.halt());
    });
  });

  it("never hibernates with hibernateAfter 0", async () => {
    await run(function* () {
      const fiber = yield* spawnFiber("awake", () => idle(new IdleWait(0)));
      yield* settle();
      vi.advanceTimersByTime(10_000);
      yield* settle();
      expect(fiber.hibernating).toBe(false);
      yield* until(fiber.halt());
    });
  });

  it("keeps the task of a fiber holding a child task, a resource, a context of its own, or waiting in a nested scope", async () => {
    const Setting = createContext<number>("hibernate-test.setting", 0);
    await run(function* () {
      const holders: Record<string, () => Operation<unknown>> = {
        child: function* () {
          yield* spawn(suspend);
          yield* idle(new IdleWait(10));
        },
        resource: function* () {
          yield* ensure(() => {});
          yield* idle(new IdleWait(10));
        },
        context: function* () {
          yield* Setting.set(1);
          yield* idle(new IdleWait(10));
        },
        nested: () => scoped(() => idle(new IdleWait(10))),
      };
      const fibers: Fiber[] = [];
      for (const [name, body] of Object.entries(holders)) fibers.push(yield* spawnFiber(name, body));
      yield* settle();
      vi.advanceTimersByTime(10 * HIBERNATION_SWEEP_MS);
      yield* settle();
      expect(fibers.map((fiber) => [fiber.name, fiber.hibernating])).toEqual(Object.keys(holders).map((name) => [name, false]));
      for (const fiber of fibers) yield* until(fiber.halt());
    });
  });

  it("runs the cleanup of a fiber halted while it hibernates, which then ends halted", async () => {
    const cleanup: string[] = [];
    await run(function* () {
      const fiber = yield* spawnFiber("sleeper", sleeper(cleanup, 5));
      yield* sweepPastTenMs();
      expect(fiber.hibernating).toBe(true);
      yield* until(fiber.halt());
      expect(cleanup).toEqual(["started", "finished"]);
      expect(fiber.state).toBe("halted");
      expect(rGetFiberStats().hibernating).toBe(0);
    });
  });

  it("lets the cleanup of a fiber halted out of hibernation finish despite a second halt and its scope ending", async () => {
    const cleanup: string[] = [];
    let halts: PromiseSettledResult<void>[] = [];
    await run(function* () {
      yield* scoped(function* () {
        const fiber = yield* spawnFiber("sleeper", sleeper(cleanup, 20));
        yield* sweepPastTenMs();
        expect(fiber.hibernating).toBe(true);
        const first = fiber.halt();
        const second = fiber.halt();
        halts = yield* until(Promise.allSettled([first, second]));
        expect(fiber.state).toBe("halted");
        cleanup.push("halted");
        yield* spawnFiber("late", sleeper(cleanup, 10, "late "));
        yield* sweepPastTenMs();
      });
    });
    expect(cleanup).toEqual(["started", "finished", "halted", "late started", "late finished"]);
    expect(halts.map((halt) => halt.status)).toEqual(["fulfilled", "fulfilled"]);
  });

  it("halts the hibernating fibers of a scope when the scope ends", async () => {
    const cleanup: string[] = [];
    await run(function* () {
      yield* scoped(function* () {
        for (const name of ["a", "b"]) yield* spawnFiber(name, sleeper(cleanup, 1, `${name} `));
        yield* sweepPastTenMs();
        expect(rGetFiberStats().hibernating).toBe(2);
      });
      expect(cleanup.sort()).toEqual(["a finished", "a started", "b finished", "b started"]);
      expect(rGetFiberStats().hibernating).toBe(0);
    });
  });

  it("hands the waiter the coroutine of its new task: an error resumed into it is thrown where the fiber waits next", async () => {
    await run(function* () {
      const wait = new IdleWait(10);
      let routine: Coroutine | undefined;
      let caught: unknown;
      const fiber = yield* spawnFiber("interruptible", function* () {
        routine = yield* idle(wait);
        try {
          yield* suspend();
        } catch (error) {
          caught = error;
        }
      });
      yield* sweepPastTenMs();
      expect(fiber.hibernating).toBe(true);
      wait.wake();
      yield* settle();
      routine?.resume(Err(new Error("interrupted")));
      yield* settle();
      expect(caught).toEqual(new Error("interrupted"));
      expect(fiber.state).toBe("done");
    });
  });

  it("never resumes a fiber's frames with a coroutine, which they would keep while it hibernates", async () => {
    // Every frame between the carrier and the wait receives the values the body is resumed
    // with; an optimized generator frame may keep one, and with a coroutine its whole task.
    const resumedWith: unknown[] = [];
    await run(function* () {
      const wait = new IdleWait(10);
      const fiber = yield* spawnFiber("recorded", () =>
        recordingResumes(function* () {
          yield* currentCoroutine();
          for (;;) yield* idle(wait);
        }, resumedWith),
      );
      yield* settle();
      wait.wake();
      yield* settle();
      wait.wakeInline();
      yield* sweepPastTenMs();
      expect(fiber.hibernating).toBe(true);
      wait.wake();
      yield* settle();
      yield* until(fiber.halt());
    });
    expect(resumedWith.length).toBeGreaterThan(4);
    expect(resumedWith.filter((value) => typeof value === "object" && value !== null)).toEqual([]);
  });

  it("contains and logs the failure of a fiber after it woke from hibernation", async () => {
    await run(function* () {
      const wait = new IdleWait(10);
      const fiber = yield* spawnFiber("fragile", function* () {
        yield* idle(wait);
        throw new Error("broke after waking");
      });
      yield* sweepPastTenMs();
      expect(fiber.hibernating).toBe(true);
      wait.wake();
      yield* settle();
      expect(fiber.state).toBe("failed");
      expect(logged.join("\n")).toContain("broke after waking");
    });
  });
});
