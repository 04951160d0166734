import { createContext, run, sleep, spawn, suspend, until, useScope } from "effection";
import type { Operation, Scope } from "effection";
import { describe, expect, it } from "vitest";
import { spawnFiberIn, type Fiber } from "./fiber.js";
import { MAX_IDLE_CARRIERS } from "./home.js";
import { rGetFiberStats } from "./limits.js";

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
        if (i % 100 === 99) yield* allEnded();
      }
      yield* allEnded();
      const after = rGetFiberStats();
      expect(after.finished - before.finished).toBe(1000);
      // Up to 100 overlap between two waits; each overlapping fiber needs a carrier of its own.
      expect(after.carriers - before.carriers).toBeLessThanOrEqual(100 + MAX_IDLE_CARRIERS);
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
