import { suspend } from "effection";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rGetFiber, rIsMain } from "./fiber.js";
import { rGetFiberStats, rSetFiberLimits } from "./limits.js";
import { setLogDestination } from "./log.js";
import { rInit, rServiceEvents, rSpawnFiber, rStop } from "./runtime.js";
import { rSleep } from "./sleep.js";
import { rStartEvent } from "./events.js";

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  setLogDestination((line) => logged.push(line));
});
afterEach(async () => {
  await rStop();
  rSetFiberLimits(0);
  setLogDestination("stdout");
});

describe("rInit and rSpawnFiber", () => {
  it("runs the main fiber on the next turn, marked as main", async () => {
    const seen: string[] = [];
    const main = rInit(function* (arg: string) {
      const self = yield* rGetFiber();
      seen.push(`${self?.name} ${arg} main=${yield* rIsMain()}`);
    }, "hello");
    seen.push("after rInit");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen).toEqual(["after rInit", "main hello main=true"]);
    expect(main.state).toBe("done");
  });

  it("starts a spawned fiber only after the spawning code returns", async () => {
    const order: string[] = [];
    await new Promise<void>((finished) => {
      rInit(function* () {
        rSpawnFiber("child", (n: number) => void order.push(`child ${n}`), 7);
        order.push("spawner still running");
        yield* rSleep(1);
        order.push("spawner resumed");
        finished();
      }, null);
    });
    expect(order).toEqual(["spawner still running", "child 7", "spawner resumed"]);
  });

  it("refuses C-style spawns when the runtime is not running", () => {
    expect(() => rSpawnFiber("x", () => {}, null)).toThrow(/rInit/);
  });

  it("logs a failing fiber with its name and keeps the runtime and other fibers running", async () => {
    const beat: number[] = [];
    await new Promise<void>((finished) => {
      rInit(function* () {
        rSpawnFiber(
          "crasher",
          function* () {
            yield* rSleep(1);
            throw new Error("kaput");
          },
          null,
        );
        for (let i = 0; i < 5; i++) {
          yield* rSleep(2);
          beat.push(i);
        }
        finished();
      }, null);
    });
    expect(beat).toEqual([0, 1, 2, 3, 4]);
    expect(logged.join("")).toMatch(/fiber crasher \(#\d+\) failed: Error: kaput/);
  });
});

describe("rStop", () => {
  it("halts sleeping, waiting and queued fibers, runs their finally blocks, then resolves", async () => {
    rSetFiberLimits(3);
    const cleaned: string[] = [];
    let queuedRan = false;
    const fibers = [] as { name: string; state: string }[];
    rInit(function* () {
      fibers.push(
        rSpawnFiber(
          "sleeping",
          function* () {
            try {
              yield* rSleep(60_000);
            } finally {
              cleaned.push("sleeping");
            }
          },
          null,
        ),
        rSpawnFiber(
          "waiting",
          function* () {
            try {
              yield* suspend();
            } finally {
              cleaned.push("waiting");
            }
          },
          null,
        ),
        rSpawnFiber(
          "queued",
          function* () {
            queuedRan = true;
          },
          null,
        ),
      );
      yield* suspend();
    }, null);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(rGetFiberStats()).toMatchObject({ active: 3, queued: 1 });
    let serviced = false;
    const servicing = rServiceEvents().then(() => (serviced = true));
    await rStop();
    await servicing;
    expect(serviced).toBe(true);
    expect(cleaned.sort()).toEqual(["sleeping", "waiting"]);
    expect(queuedRan).toBe(false);
    expect(fibers.map((f) => f.state)).toEqual(["halted", "halted", "halted"]);
    expect(rGetFiberStats()).toMatchObject({ active: 0, queued: 0 });
  });

  it("can be called from inside a fiber, as a C program ends itself", async () => {
    let cleaned = false;
    rInit(function* () {
      try {
        rStartEvent(() => void rStop(), null, 5);
        yield* suspend();
      } finally {
        cleaned = true;
      }
    }, null);
    await rServiceEvents();
    expect(cleaned).toBe(true);
    expect(() => rSpawnFiber("late", () => {}, null)).toThrow(/not running/);
  });

  it("lets the runtime start again after a stop", async () => {
    rInit(() => {}, null);
    await rStop();
    const again = rInit(() => {}, null);
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(again.state).toBe("done");
  });
});
