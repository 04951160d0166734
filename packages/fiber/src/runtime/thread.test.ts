import { run, sleep, spawn } from "effection";
import { describe, expect, it } from "vitest";
import { rSpawnThread } from "./thread.js";

describe("rSpawnThread", () => {
  it("returns what a self-contained function computed on the worker thread", async () => {
    const result = await run(() =>
      rSpawnThread((n: number) => {
        const { threadId } = require("node:worker_threads") as typeof import("node:worker_threads");
        let total = 0;
        for (let i = 1; i <= n; i++) total += i;
        return { total, threadId };
      }, 1000),
    );
    expect(result.total).toBe(500500);
    expect(result.threadId).toBeGreaterThan(0);
  });

  it("awaits an async function and returns an export of a module", async () => {
    const basename = await run(() =>
      rSpawnThread({ module: "node:path", name: "basename" }, "/srv/site/index.html"),
    );
    expect(basename).toBe("index.html");
    const later = await run(() =>
      rSpawnThread(async (x: string) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return x.toUpperCase();
      }, "done"),
    );
    expect(later).toBe("DONE");
  });

  it("surfaces the error the function threw, with its class and message", async () => {
    const failing = run(() =>
      rSpawnThread((limit: number) => {
        throw new RangeError(`limit ${limit} is too high`);
      }, 9),
    );
    await expect(failing).rejects.toThrow(RangeError);
    await expect(failing).rejects.toThrow("limit 9 is too high");
  });

  it("reports a module name that is not a function", async () => {
    await expect(run(() => rSpawnThread({ module: "node:path", name: "sep" }, null))).rejects.toThrow(
      /not a function/,
    );
  });

  it("terminates the worker when the waiting fiber is halted", async () => {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await run(function* () {
      const task = yield* spawn(() =>
        rSpawnThread((shared: Int32Array) => {
          for (;;) Atomics.add(shared, 0, 1);
        }, counter),
      );
      while (Atomics.load(counter, 0) === 0) yield* sleep(5);
      yield* task.halt();
    });
    const atHalt = Atomics.load(counter, 0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(Atomics.load(counter, 0)).toBe(atHalt);
  });
});
