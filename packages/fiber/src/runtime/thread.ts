// rSpawnThread: run a function on a worker thread while the calling fiber yields.
import { action, until } from "effection";
import type { Operation } from "effection";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * A self-contained function to run on the thread: it is sent as source text, so it may use
 * only its argument, globals and `require` of built-in modules, never variables of its module.
 */
export type ThreadFunction<A, R> = (arg: A) => R | Promise<R>;

/** A function exported by a module, imported on the thread: it may use its own imports. */
export interface ThreadModuleFunction {
  /** The module: a `file:` URL, an absolute path, or a package name. */
  module: string | URL;
  /** The name of its export to call. */
  name: string;
}

// The thread's program: find the function, call it with the argument, post back the result.
// A throw becomes the worker's "error" event, which carries the error to the caller.
const threadProgram = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { source, module, name, arg } = workerData;
  const fn = source !== undefined ? (0, eval)("(" + source + ")") : (await import(module))[name];
  if (typeof fn !== "function") throw new TypeError("rSpawnThread: " + name + " is not a function exported by " + module);
  parentPort.postMessage(await fn(arg));
})().catch((error) => { throw error; });
`;

function moduleSpecifier(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

/**
 * Run `fn(arg)` on a worker thread (true parallelism for CPU-heavy work) and yield the fiber
 * until it returns. `arg` and the result cross threads by structured clone. Halting the fiber
 * terminates the worker.
 * @param fn - a self-contained function (sent as source), or `{ module, name }` of an export
 * @param arg - the function's argument (structured-cloneable)
 * @returns the function's result (awaited if it is a promise)
 * @throws the error the function threw (its class and message survive the clone)
 * @throws Error if the worker exits without a result
 * @example
 * ```ts
 * const sum = yield* rSpawnThread((n: number) => {
 *   let total = 0;
 *   for (let i = 0; i < n; i++) total += i;
 *   return total;
 * }, 1e9);
 * const digest = yield* rSpawnThread({ module: new URL("./hash.js", import.meta.url), name: "hash" }, data);
 * ```
 */
export function* rSpawnThread<A, R>(fn: ThreadFunction<A, R> | ThreadModuleFunction, arg: A): Operation<R> {
  const workerData =
    typeof fn === "function"
      ? { source: fn.toString(), arg }
      : { module: moduleSpecifier(fn.module), name: fn.name, arg };
  // Loaded on first use: a process that never spawns a thread does not carry the module.
  const { Worker } = yield* until(import("node:worker_threads"));
  const worker = new Worker(threadProgram, { eval: true, workerData });
  try {
    return yield* action<R>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`rSpawnThread: the worker exited (code ${code}) without a result`));
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", onExit);
      return () => {
        worker.off("message", resolve);
        worker.off("error", reject);
        worker.off("exit", onExit);
      };
    });
  } finally {
    yield* until(worker.terminate());
  }
}
