import { run } from "effection";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rGetFiber } from "./fiber.js";
import { rInit, rStop } from "./runtime.js";
import { rSignal, rSignalSync, rWatch, rWatchOff } from "./signals.js";
import { rSleep } from "./sleep.js";

const turn = () => new Promise((resolve) => setTimeout(resolve, 1));

beforeEach(() => {
  rInit(() => {}, null);
});
afterEach(async () => {
  await rStop();
});

describe("signals", () => {
  it("runs each watcher in its own fiber after rSignal returns, in the order they were added", async () => {
    const calls: string[] = [];
    rWatch("tick", (data: string, arg) => void calls.push(`${data}:${String(arg)}`), "first");
    rWatch(
      "tick",
      function* (data: string, arg) {
        const fiber = yield* rGetFiber();
        calls.push(`${data}:${String(arg)} in ${fiber?.name}`);
      },
      "second",
    );
    expect(rSignal("tick", 42)).toBe(2);
    expect(calls).toEqual([]);
    await turn();
    expect(calls).toEqual(["first:42", "second:42 in tick"]);
  });

  it("runs watchers inline, in the caller's fiber, before rSignalSync returns", async () => {
    const calls: string[] = [];
    rWatch("save", (data: string) => void calls.push(data), "plain");
    rWatch(
      "save",
      function* (data: string) {
        yield* rSleep(1);
        calls.push(data);
      },
      "yielding",
    );
    await run(function* () {
      yield* rSignalSync("save");
      calls.push("returned");
    });
    expect(calls).toEqual(["plain", "yielding", "returned"]);
  });

  it("skips a watcher removed while an rSignal is in flight, and spares one added meanwhile", async () => {
    const calls: string[] = [];
    const late = () => void calls.push("late");
    const removed = () => void calls.push("removed");
    rWatch("go", () => void calls.push("kept"), null);
    rWatch("go", removed, null);
    rSignal("go");
    expect(rWatchOff("go", removed, null)).toBe(true);
    rWatch("go", late, null);
    await turn();
    expect(calls).toEqual(["kept"]);
    rSignal("go");
    await turn();
    expect(calls).toEqual(["kept", "kept", "late"]);
  });

  it("skips a watcher that an earlier watcher removes during rSignalSync, and spares one it adds", async () => {
    const calls: string[] = [];
    const second = () => void calls.push("second");
    const added = () => void calls.push("added");
    rWatch(
      "sync",
      () => {
        calls.push("first");
        rWatchOff("sync", second, null);
        rWatch("sync", added, null);
      },
      null,
    );
    rWatch("sync", second, null);
    await run(() => rSignalSync("sync"));
    expect(calls).toEqual(["first"]);
  });

  it("matches rWatchOff on both the function and the data", () => {
    const fn = () => {};
    rWatch("x", fn, "a");
    expect(rWatchOff("x", fn, "b")).toBe(false);
    expect(rWatchOff("x", fn, "a")).toBe(true);
    expect(rWatchOff("x", fn, "a")).toBe(false);
    expect(rSignal("x")).toBe(0);
  });
});
