import { createContext, resource, run, sleep, spawn, suspend, until, useScope } from "effection";
import type { Operation, Scope } from "effection";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectGarbage } from "../testing/gc.test-helpers.js";
import { spawnFiber, spawnFiberIn, type Fiber } from "./fiber.js";
import { MAX_IDLE_CARRIERS } from "./home.js";
import { rGetFiberStats } from "./limits.js";
import { setLogDestination } from "./log.js";

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  setLogDestination((line) => logged.push(line));
});
afterEach(() => setLogDestination("stdout"));

/** Run `fn` from the event loop, outside every operation, as a socket callback runs. */
function inCallback<T>(fn: () => T): Operation<T> {
  return until(new Promise<T>((resolve) => setImmediate(() => resolve(fn()))));
}

/** Spawn a fiber from plain code, as a server does for each connection. */
function spawnFromCallback(scope: Scope, name: string, body: () => Operation<unknown>): Operation<Fiber> {
  return inCallback(() => spawnFiberIn(scope, name, body));
}

/** Wait until no fiber is active. */
function* allEnded(): Operation<void> {
  while (rGetFiberStats().active > 0) yield* sleep(1);
}

const Mark = createContext<string>("carrier.test.mark", "unset");

describe("carriers", () => {
  it("runs a thousand short fibers, one after another, on a handful of carriers", async () => {
    const ran: number[] = [];
    await run(function* () {
      const scope = yield* useScope();
      const before = rGetFiberStats();
      for (let i = 0; i < 1000; i++) {
        yield* spawnFromCallback(scope, `short ${i}`, function* () {
          yield* sleep(0);
          ran.push(i);
        });
        if (i % 5 === 4) yield* allEnded();
      }
      yield* allEnded();
      const after = rGetFiberStats();
      expect(after.finished - before.finished).toBe(1000);
      // At most 5 overlap, each on a carrier of its own; all 5 then wait in the pool for the next.
      expect(after.carriers - before.carriers).toBeLessThanOrEqual(Math.min(5, MAX_IDLE_CARRIERS));
      expect(after.carriers - before.carriers).toBeGreaterThan(0);
    });
    expect(ran).toHaveLength(1000);
  });

  it("reuses the carrier of a fiber that has ended for the next one", async () => {
    await run(function* () {
      const scope = yield* useScope();
      yield* spawnFromCallback(scope, "first", function* () {
        yield* sleep(0);
      });
      yield* allEnded();
      const before = rGetFiberStats().carriers;
      for (let i = 0; i < 10; i++) {
        yield* spawnFromCallback(scope, `next ${i}`, () => sleep(0));
        yield* allEnded();
      }
      expect(rGetFiberStats().carriers).toBe(before);
    });
  });

  it("halts the tasks a fiber left running when it ends, and does not reuse that carrier", async () => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      yield* spawnFromCallback(scope, "parent", function* () {
        yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            events.push("child halted");
          }
        });
        yield* sleep(0);
        events.push("parent returned");
      });
      yield* allEnded();
      yield* sleep(1);
      expect(events).toEqual(["parent returned", "child halted"]);
      const before = rGetFiberStats().carriers;
      yield* spawnFromCallback(scope, "after", () => sleep(0));
      yield* allEnded();
      // The parent's carrier ended with its child: the pool had no carrier of it to give.
      expect(rGetFiberStats().carriers - before).toBeLessThanOrEqual(1);
    });
  });

  it("gives the next fiber none of the contexts the previous one set", async () => {
    const seen: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      yield* spawnFromCallback(scope, "marker", function* () {
        yield* Mark.set("marked");
        seen.push(yield* Mark.expect());
        yield* sleep(0);
      });
      yield* allEnded();
      for (let i = 0; i < 3; i++) {
        yield* spawnFromCallback(scope, `reader ${i}`, function* () {
          yield* sleep(0);
          seen.push(yield* Mark.expect());
        });
        yield* allEnded();
      }
    });
    expect(seen).toEqual(["marked", "unset", "unset", "unset"]);
  });

  it("does not let halting a fiber that has ended reach the fiber now on its carrier", async () => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      // It ends inside the call that starts it: its carrier is idle before that call returns.
      const first = yield* spawnFromCallback(scope, "first", function* () {});
      expect(first.state).toBe("done");
      const second = yield* spawnFromCallback(scope, "second", function* () {
        try {
          yield* suspend();
        } finally {
          events.push("second halted");
        }
      });
      yield* until(first.halt());
      yield* sleep(5);
      expect(second.state).toBe("running");
      expect(events).toEqual([]);
      yield* until(second.halt());
      expect(events).toEqual(["second halted"]);
    });
  });

  it("halts the fiber running on a carrier, and only it, when that fiber is halted", async () => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      const body = (name: string) =>
        function* () {
          try {
            yield* suspend();
          } finally {
            events.push(`${name} halted`);
          }
        };
      yield* spawnFromCallback(scope, "warm", () => sleep(0));
      yield* allEnded();
      const a = yield* spawnFromCallback(scope, "a", body("a"));
      const b = yield* spawnFromCallback(scope, "b", body("b"));
      yield* until(a.halt());
      expect(events).toEqual(["a halted"]);
      expect(a.state).toBe("halted");
      expect(b.state).toBe("running");
      yield* until(b.halt());
      expect(events).toEqual(["a halted", "b halted"]);
    });
  });
});

describe("halting fibers on carriers", () => {
  /** A body that suspends and whose cleanup waits `ms`, recording `<name> cleaned`. */
  const slowCleanup = (events: string[], name: string, ms: number) =>
    function* () {
      try {
        yield* suspend();
      } finally {
        yield* sleep(ms);
        events.push(`${name} cleaned`);
      }
    };

  it("settles halt() once a cleanup that waits is done, and the next fiber can be halted too", async () => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      const a = yield* spawnFromCallback(scope, "a", slowCleanup(events, "a", 2));
      yield* until(a.halt());
      expect(events).toEqual(["a cleaned"]);
      expect(a.state).toBe("halted");
      const b = yield* spawnFromCallback(scope, "b", slowCleanup(events, "b", 2));
      yield* until(b.halt());
      expect(events).toEqual(["a cleaned", "b cleaned"]);
      expect(b.state).toBe("halted");
    });
  });

  it("ends its owner's scope with fibers whose cleanup waits", async () => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      yield* spawnFromCallback(scope, "a", slowCleanup(events, "a", 2));
      yield* spawnFromCallback(scope, "b", slowCleanup(events, "b", 2));
    });
    expect(events.sort()).toEqual(["a cleaned", "b cleaned"]);
  });

  it("halts a fiber spawned inside an operation, on a carrier started for it", async () => {
    const events: string[] = [];
    await run(function* () {
      const fiber = yield* spawnFiber("inner", slowCleanup(events, "inner", 0));
      yield* sleep(1);
      expect(fiber.state).toBe("running");
      yield* until(fiber.halt());
      expect(fiber.state).toBe("halted");
      expect(events).toEqual(["inner cleaned"]);
    });
  });

  it("halts a fiber halted in the instant it was spawned, before it ran", async () => {
    let ran = false;
    await run(function* () {
      const fiber = yield* spawnFiber("stillborn", function* () {
        ran = true;
      });
      yield* until(fiber.halt());
      expect(fiber.state).toBe("halted");
      expect(rGetFiberStats().active).toBe(0);
    });
    expect(ran).toBe(false);
  });

  it("halts a fiber handed a carrier while that carrier's first call was still running", async () => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      let second: Fiber | undefined;
      // The first fiber ends inside the call that starts its carrier and, before that call
      // returns, starts a second one, which takes the carrier just made idle.
      yield* inCallback(() => {
        spawnFiberIn(scope, "first", function* () {
          second = spawnFiberIn(scope, "second", slowCleanup(events, "second", 0));
        });
      });
      yield* sleep(1);
      expect(second?.state).toBe("running");
      yield* until((second as Fiber).halt());
      expect(second?.state).toBe("halted");
      expect(events).toEqual(["second cleaned"]);
    });
  });

  it("settles halt() only once the fiber's children and resources are torn down too", async () => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      const fiber = yield* spawnFromCallback(scope, "holder", function* () {
        yield* resource(function* (provide) {
          try {
            yield* provide(undefined);
          } finally {
            yield* sleep(5);
            events.push("resource released");
          }
        });
        yield* spawn(function* () {
          try {
            yield* suspend();
          } finally {
            yield* sleep(2);
            events.push("child halted");
          }
        });
        try {
          yield* suspend();
        } finally {
          events.push("body cleaned");
        }
      });
      yield* sleep(1);
      yield* until(fiber.halt());
      events.push("halt() settled");
    });
    expect(events).toEqual(["body cleaned", "child halted", "resource released", "halt() settled"]);
  });

  it("ends a fiber whose owner ended in the instant its carrier was started, before it ran", async () => {
    let child: Fiber | undefined;
    let ran = false;
    await run(function* () {
      // The parent returns at once: its scope, owner of the child's home, ends before the
      // child's carrier first runs.
      yield* spawnFiber("parent", function* () {
        child = yield* spawnFiber("child", function* () {
          ran = true;
        });
      });
      yield* sleep(5);
      expect(child?.state).toBe("halted");
      expect(rGetFiberStats().active).toBe(0);
    });
    await (child as Fiber).halt(); // settles at once: it has ended
    expect(ran).toBe(false);
  });

  it.each([
    ["a while after it started", 1],
    ["during the stint that starts it", 0],
  ])("fails and halts a fiber whose child task fails %s, running its cleanup and nothing after", async (_when, delay) => {
    const events: string[] = [];
    await run(function* () {
      const scope = yield* useScope();
      const fiber = yield* spawnFromCallback(scope, "guarded", function* () {
        try {
          yield* spawn(function* () {
            if (delay > 0) yield* sleep(delay);
            throw new Error("background failure");
          });
          yield* sleep(50);
          events.push("went on");
        } finally {
          events.push("cleaned");
        }
      });
      yield* sleep(20);
      expect(fiber.state).toBe("failed");
      expect(events).toEqual(["cleaned"]);
      expect(rGetFiberStats().active).toBe(0);
    });
    expect(logged.join("\n")).toMatch(/fiber guarded \(#\d+\) failed: Error: background failure/);
  });
});

describe("idle carriers", () => {
  it("keep nothing of the fibers they carried", async () => {
    const held: WeakRef<object>[] = [];
    await run(function* () {
      const scope = yield* useScope();
      for (let i = 0; i < 3; i++) {
        yield* inCallback(() => {
          const connection = { buffer: new Array(10_000).fill(i) };
          held.push(new WeakRef(connection));
          spawnFiberIn(scope, `holder ${i}`, function* () {
            // The last effect resolves with the connection: effection keeps such a value
            // until the next effect of the same task.
            const value = yield* until(Promise.resolve(connection));
            return value.buffer.length;
          });
        });
        yield* sleep(2);
      }
      collectGarbage();
      expect(held.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
    });
  });
});
