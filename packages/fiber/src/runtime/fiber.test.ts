import { run, sleep, spawn, suspend, withResolvers } from "effection";
import { collectGarbage } from "../testing/gc.test-helpers.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rGetFiber, rIsMain, spawnFiber } from "./fiber.js";
import { rGetFiberStats, rSetFiberLimits, useFiberLimits } from "./limits.js";
import { setLogDestination } from "./log.js";

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  setLogDestination((line) => logged.push(line));
});
afterEach(() => {
  rSetFiberLimits(0);
  setLogDestination("stdout");
});

describe("spawnFiber", () => {
  it("starts the fiber only after the spawner yields", async () => {
    const order: string[] = [];
    await run(function* () {
      yield* spawnFiber("child", function* () {
        order.push("child runs");
      });
      order.push("spawner continues");
      yield* sleep(0);
      order.push("spawner resumes");
    });
    expect(order).toEqual(["spawner continues", "child runs", "spawner resumes"]);
  });

  it("starts fibers spawned together in spawn order", async () => {
    const order: number[] = [];
    await run(function* () {
      for (let i = 0; i < 5; i++) {
        yield* spawnFiber(`f${i}`, function* () {
          order.push(i);
        });
      }
      yield* sleep(0);
    });
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("gives each fiber a name, an increasing id and a state found through rGetFiber", async () => {
    await run(function* () {
      const seen: { name: string; state: string; main: boolean }[] = [];
      const first = yield* spawnFiber("alpha", function* () {
        const self = yield* rGetFiber();
        if (self) seen.push({ name: self.name, state: self.state, main: yield* rIsMain() });
      });
      const second = yield* spawnFiber("beta", function* () {});
      expect(first.state).toBe("queued");
      expect(second.id).toBeGreaterThan(first.id);
      yield* sleep(0);
      expect(seen).toEqual([{ name: "alpha", state: "running", main: false }]);
      expect(first.state).toBe("done");
      expect(yield* rGetFiber()).toBeUndefined();
      expect(yield* rIsMain()).toBe(true);
    });
  });

  it("logs a failing fiber with its name and keeps the spawner running", async () => {
    const result = await run(function* () {
      const fiber = yield* spawnFiber("doomed", function* () {
        yield* sleep(1);
        throw new Error("boom");
      });
      yield* sleep(10);
      return fiber.state;
    });
    expect(result).toBe("failed");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/ERROR fiber: fiber doomed \(#\d+\) failed: Error: boom/);
    expect(rGetFiberStats().failed).toBeGreaterThanOrEqual(1);
  });

  it("contains the failure of a task the fiber spawned in the background", async () => {
    const result = await run(function* () {
      const fiber = yield* spawnFiber("parent", function* () {
        yield* spawn(function* () {
          throw new Error("background");
        });
        yield* suspend();
      });
      yield* sleep(5);
      return fiber.state;
    });
    expect(result).toBe("failed");
    expect(logged.join("")).toContain("fiber parent");
    expect(logged.join("")).toContain("background");
  });

  it("runs the fiber's cleanup when a background task fails, and keeps the spawner running", async () => {
    let cleaned = false;
    const result = await run(function* () {
      yield* spawnFiber("guarded", function* () {
        try {
          yield* spawn(function* () {
            yield* sleep(1);
            throw new Error("background");
          });
          yield* suspend();
        } finally {
          cleaned = true;
        }
      });
      yield* sleep(10);
      return "spawner still running";
    });
    expect(result).toBe("spawner still running");
    expect(cleaned).toBe(true);
  });

  it("logs and contains an error thrown by a task's cleanup while the fiber ends", async () => {
    const result = await run(function* () {
      const fiber = yield* spawnFiber("untidy", function* () {
        yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            throw new Error("cleanup broke");
          }
        });
        yield* sleep(1);
      });
      yield* sleep(10);
      return fiber.state;
    });
    expect(result).toBe("done");
    expect(logged.join("")).toContain("cleanup broke");
  });

  it("halts the fiber and runs its finally block when its spawner's scope ends", async () => {
    let cleaned = false;
    const fiber = await run(function* () {
      const sleeper = yield* spawnFiber("sleeper", function* () {
        try {
          yield* suspend();
        } finally {
          cleaned = true;
        }
      });
      yield* sleep(1);
      return sleeper;
    });
    expect(cleaned).toBe(true);
    expect(fiber.state).toBe("halted");
  });
});

describe("fiber limits", () => {
  it("runs 1,000 spawns with a cap of 4: never more than 4 live, FIFO, all finish, stats add up", async () => {
    const before = rGetFiberStats();
    rSetFiberLimits(4);
    let live = 0;
    let most = 0;
    const startOrder: number[] = [];
    await run(function* () {
      const done = withResolvers<void>();
      let finished = 0;
      for (let i = 0; i < 1000; i++) {
        yield* spawnFiber(`job${i}`, function* () {
          live++;
          most = Math.max(most, live);
          startOrder.push(i);
          yield* sleep(0);
          live--;
          if (++finished === 1000) done.resolve();
        });
      }
      const queued = rGetFiberStats();
      expect(queued.active).toBe(4);
      expect(queued.queued).toBe(996);
      yield* done.operation;
    });
    const after = rGetFiberStats();
    expect(most).toBe(4);
    expect(startOrder).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(after.started - before.started).toBe(1000);
    expect(after.finished - before.finished).toBe(1000);
    expect(after).toMatchObject({ active: 0, queued: 0, max: 4 });
    expect(after.started).toBe(after.finished + after.active);
  });

  it("starts queued fibers at once when the cap is raised", async () => {
    await run(function* () {
      rSetFiberLimits(1);
      const blocker = withResolvers<void>();
      yield* spawnFiber("holder", () => blocker.operation);
      const waiting = yield* spawnFiber("waiting", function* () {});
      yield* sleep(0);
      expect(waiting.state).toBe("queued");
      rSetFiberLimits(2);
      yield* sleep(0);
      expect(waiting.state).toBe("done");
      blocker.resolve();
    });
  });

  it("gives up a queued spawn after its queueTimeout: it never runs and started() says so", async () => {
    const before = rGetFiberStats();
    await run(function* () {
      yield* useFiberLimits(1);
      const blocker = withResolvers<void>();
      yield* spawnFiber("holder", () => blocker.operation);
      let ran = false;
      const late = yield* spawnFiber(
        "late",
        function* () {
          ran = true;
        },
        { queueTimeout: 20 },
      );
      expect(yield* late.started()).toBe(false);
      expect(late.state).toBe("expired");
      blocker.resolve();
      yield* sleep(1);
      expect(ran).toBe(false);
    });
    const after = rGetFiberStats();
    expect(after.expired - before.expired).toBe(1);
    expect(after.started - before.started).toBe(1);
  });

  it("reports started() true as soon as a queued fiber gets its slot", async () => {
    await run(function* () {
      yield* useFiberLimits(1);
      const blocker = withResolvers<void>();
      yield* spawnFiber("holder", () => blocker.operation);
      const next = yield* spawnFiber("next", () => sleep(1), { queueTimeout: 1000 });
      yield* spawn(function* () {
        yield* sleep(5);
        blocker.resolve();
      });
      expect(yield* next.started()).toBe(true);
    });
  });

  it("puts the previous cap back when the useFiberLimits scope ends", async () => {
    rSetFiberLimits(7);
    await run(function* () {
      yield* useFiberLimits(2);
      expect(rGetFiberStats().max).toBe(2);
    });
    expect(rGetFiberStats().max).toBe(7);
  });

  it("treats a cap of 0 as no cap and rejects a negative one", () => {
    rSetFiberLimits(0);
    expect(rGetFiberStats().max).toBe(Infinity);
    expect(() => rSetFiberLimits(-1)).toThrow(RangeError);
    expect(() => rSetFiberLimits(1.5)).toThrow(RangeError);
  });
});

describe("fiber memory", () => {
  const heapAfterGc = () => {
    collectGarbage();
    return process.memoryUsage().heapUsed;
  };

  it("keeps the heap flat across 10,000 short fibers under one long-lived parent", async () => {
    const spawnBatch = function* (count: number) {
      for (let i = 0; i < count; i++) {
        yield* spawnFiber("short", function* () {});
        if (i % 500 === 499) yield* sleep(1);
      }
      while (rGetFiberStats().active > 0) yield* sleep(1);
    };
    const growth = await run(function* () {
      yield* spawnBatch(2000);
      const before = heapAfterGc();
      yield* spawnBatch(10_000);
      return heapAfterGc() - before;
    });
    // A halted child costs its parent ~10 KB (100 MB here); returning fibers must cost nothing
    // beyond allocator noise (measured: under 0.5 MB either way).
    expect(growth).toBeLessThan(2_000_000);
  });
});
