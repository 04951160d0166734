import { createScope, Err, scoped, sleep, type Scope } from "effection";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { spawnFiberIn, type Fiber } from "./fiber.js";
import { IdleWait } from "./hibernate.js";
import { HIBERNATION_SWEEP_MS } from "./home.js";
import { idle } from "./idle.test-helpers.js";
import { rGetFiberStats } from "./limits.js";
import { setLogDestination } from "./log.js";

// Wake-ups from plain code at the top of the stack (a socket's event) run a fiber's body inline.
// The tests call wakeInline() from the test's own code, outside every operation, as a socket
// event handler would.

let logged: string[] = [];
let scope: Scope;
let destroy: () => Promise<void>;
beforeEach(() => {
  logged = [];
  setLogDestination((line) => logged.push(line));
  [scope, destroy] = createScope();
});
afterEach(async () => {
  await destroy();
  vi.useRealTimers();
  setLogDestination("stdout");
});

/** Let the fibers woken so far (through effection) run until they wait again. */
function turn(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fiber that records each wake-up in `log` and waits on `wait` again. */
function waiter(wait: IdleWait, log: string[]): Fiber {
  return spawnFiberIn(scope, "waiter", function* () {
    for (let count = 1; ; count++) {
      yield* idle(wait);
      log.push(`woken ${count}`);
    }
  });
}

describe("inline wake-ups", () => {
  it("runs the body to its next wait inside the wake-up call, every time, on the carrier it waits on", async () => {
    const wait = new IdleWait(0);
    const log: string[] = [];
    const fiber = waiter(wait, log);
    await turn();
    const carriers = rGetFiberStats().carriers;
    for (let i = 0; i < 3; i++) wait.wakeInline();
    expect(log).toEqual(["woken 1", "woken 2", "woken 3"]);
    expect(rGetFiberStats().carriers).toBe(carriers);
    expect(fiber.state).toBe("running");
  });

  it("hands any other instruction to effection, which goes on with the body", async () => {
    const wait = new IdleWait(0);
    const log: string[] = [];
    spawnFiberIn(scope, "sleepy", function* () {
      for (;;) {
        yield* idle(wait);
        log.push("woken");
        yield* sleep(1);
        log.push("slept");
      }
    });
    await turn();
    wait.wakeInline();
    expect(log).toEqual(["woken"]);
    await turn();
    expect(log).toEqual(["woken", "slept"]);
    wait.wakeInline();
    expect(log).toEqual(["woken", "slept", "woken"]);
  });

  it("wakes a body that waits inside a nested scope through effection (the scope's own task waits, not the body)", async () => {
    const wait = new IdleWait(0);
    const log: string[] = [];
    const fiber = spawnFiberIn(scope, "nested", () =>
      scoped(function* () {
        for (let count = 1; ; count++) {
          yield* idle(wait);
          log.push(`woken ${count}`);
        }
      }),
    );
    await turn();
    wait.wakeInline();
    wait.wakeInline();
    expect(log).toEqual(["woken 1", "woken 2"]);
    await fiber.halt();
    expect(fiber.state).toBe("halted");
  });

  it("wakes a waiter outside every fiber through effection", async () => {
    const wait = new IdleWait(0);
    const log: string[] = [];
    scope.run(function* () {
      yield* idle(wait);
      log.push("woken");
    });
    await turn();
    wait.wakeInline();
    expect(log).toEqual(["woken"]);
  });

  it("lets a body halt its own fiber while it runs inline: its cleanup runs and it ends halted", async () => {
    const wait = new IdleWait(0);
    const log: string[] = [];
    let self: Fiber | undefined;
    let halted: Promise<void> | undefined;
    self = spawnFiberIn(scope, "quitter", function* () {
      try {
        yield* idle(wait);
        halted = self?.halt();
        log.push("asked to halt");
        yield* idle(wait);
        log.push("not reached");
      } finally {
        log.push("cleanup");
        yield* sleep(1);
        log.push("cleanup done");
      }
    });
    await turn();
    wait.wakeInline();
    await halted;
    expect(log).toEqual(["asked to halt", "cleanup", "cleanup done"]);
    expect(self.state).toBe("halted");
    expect(logged.join("\n")).not.toMatch(/already running|failed/);
  });

  it("throws an error resumed into the fiber while it runs inline where the body waits next", async () => {
    const wait = new IdleWait(0);
    let caught: unknown;
    const fiber = spawnFiberIn(scope, "interrupted", function* () {
      const routine = yield* idle(wait);
      routine.resume(Err(new Error("interrupted")));
      try {
        yield* idle(wait);
      } catch (error) {
        caught = error;
      }
    });
    await turn();
    wait.wakeInline();
    await turn();
    expect(caught).toEqual(new Error("interrupted"));
    expect(fiber.state).toBe("done");
  });

  it.each(["wake", "wakeInline"] as const)(
    "ignores a wake-up of the wait from the body itself while it runs inline (%s), as it would while it runs: it goes on, and still halts",
    async (how) => {
      const wait = new IdleWait(0);
      const log: string[] = [];
      const fiber = spawnFiberIn(scope, "self-waking", function* () {
        for (let count = 1; ; count++) {
          yield* idle(wait);
          log.push(`woken ${count}`);
          wait[how]();
        }
      });
      await turn();
      wait.wakeInline();
      await turn();
      expect(log).toEqual(["woken 1"]);
      wait.wakeInline();
      expect(log).toEqual(["woken 1", "woken 2"]);
      await fiber.halt();
      expect(fiber.state).toBe("halted");
      expect(logged).toEqual([]);
    },
  );

  it("contains and logs a failure of the body while it runs inline", async () => {
    const wait = new IdleWait(0);
    const fiber = spawnFiberIn(scope, "fragile", function* () {
      yield* idle(wait);
      throw new Error("broke inline");
    });
    await turn();
    wait.wakeInline();
    await turn();
    expect(fiber.state).toBe("failed");
    expect(logged.join("\n")).toContain("broke inline");
  });

  it("counts each inline wake-up as activity: a fiber woken more often than hibernateAfter never hibernates", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const wait = new IdleWait(2 * HIBERNATION_SWEEP_MS);
    const log: string[] = [];
    const fiber = waiter(wait, log);
    await turn();
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(HIBERNATION_SWEEP_MS);
      expect(fiber.hibernating).toBe(false);
      wait.wakeInline();
    }
    vi.advanceTimersByTime(4 * HIBERNATION_SWEEP_MS);
    await turn();
    expect(fiber.hibernating).toBe(true);
    wait.wakeInline();
    await turn();
    expect(fiber.hibernating).toBe(false);
    expect(log).toHaveLength(7);
  });
});
