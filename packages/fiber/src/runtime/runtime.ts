// The runtime's life: rInit starts it with a main fiber, rServiceEvents waits, rStop halts all.
import { createScope } from "effection";
import type { Scope } from "effection";
import { liveFibers, startFiber } from "./fiber.js";
import type { Fiber } from "./fiber.js";
import { callProc } from "./proc.js";
import type { FiberProc } from "./proc.js";

/** The running runtime: the scope that owns its fibers, events and watchers. */
export interface Runtime {
  readonly scope: Scope;
  /** Register cleanup to run when `rStop` begins (cancel timers, drop registries). */
  onStop(cleanup: () => void): void;
}

interface RuntimeControl extends Runtime {
  readonly cleanups: (() => void)[];
  destroy(): Promise<void>;
  stopped: Promise<void>;
  markStopped(): void;
}

let running: RuntimeControl | undefined;

/**
 * The running runtime, for the C-style calls that act on it.
 * @param caller - the public function asking, for the error message
 * @returns the runtime
 * @throws Error if `rInit` has not been called (or `rStop` has)
 */
export function requireRuntime(caller: string): Runtime {
  if (!running) throw new Error(`${caller}: the runtime is not running; call rInit() first`);
  return running;
}

/**
 * Start the runtime with `fn(arg)` as its main fiber (named "main"), which starts on the next
 * turn. Fibers, events and watchers created with the C-style calls belong to the runtime.
 * @param fn - the main fiber's body: a generator function or a plain function
 * @param arg - passed to `fn`
 * @returns the main fiber
 * @throws Error if the runtime is already running
 * @example
 * ```ts
 * rInit(function* () {
 *   rSpawnFiber("worker", function* (n) { rInfo("app", "worker %d", n); }, 1);
 * }, null);
 * await rServiceEvents(); // until something calls rStop()
 * ```
 */
export function rInit<T>(fn: FiberProc<T>, arg: T): Fiber {
  if (running) throw new Error("rInit: the runtime is already running");
  const [scope, destroy] = createScope();
  let markStopped = () => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const cleanups: (() => void)[] = [];
  running = {
    scope,
    cleanups,
    onStop: (cleanup) => cleanups.push(cleanup),
    destroy: () => Promise.resolve(destroy()),
    stopped,
    markStopped,
  };
  return startFiber(scope, "main", () => callProc(fn, arg), { deferred: true, main: true });
}

/**
 * Service events until the runtime stops. The Node.js event loop does the servicing; this is
 * where a C-style program waits.
 * @returns a promise that resolves once `rStop()` has finished (at once if not running)
 */
export function rServiceEvents(): Promise<void> {
  return running ? running.stopped : Promise.resolve();
}

/**
 * Stop the runtime: halt every fiber (running, sleeping, waiting or queued) so that their
 * `finally` blocks run, cancel pending events, drop watchers. Fibers spawned with
 * `spawnFiber` under other scopes are halted too. The runtime may then be started again.
 * @returns a promise that resolves when every fiber's cleanup has finished
 * @throws the first error a fiber's cleanup threw
 */
export async function rStop(): Promise<void> {
  const stopping = running;
  running = undefined;
  try {
    if (stopping) {
      for (const cleanup of stopping.cleanups) cleanup();
      await stopping.destroy();
    }
    await Promise.all([...liveFibers].map((fiber) => fiber.halt()));
  } finally {
    stopping?.markStopped();
  }
}

/**
 * Spawn a named fiber that runs `fn(arg)` in the runtime, starting on the next turn (never
 * inside this call), subject to the fiber limits. A failure is logged with the fiber's name
 * and contained. The idiomatic face, under the caller's scope, is `spawnFiber`.
 * @param name - the fiber's name, used in logs
 * @param fn - the body: a generator function (it may yield) or a plain function
 * @param arg - passed to `fn`
 * @returns the fiber, still queued
 * @throws Error if the runtime is not running
 * @example
 * ```ts
 * rSpawnFiber("ticker", function* (ms) { yield* rSleep(ms); rInfo("app", "tick"); }, 1000);
 * ```
 */
export function rSpawnFiber<T>(name: string, fn: FiberProc<T>, arg: T): Fiber {
  const { scope } = requireRuntime("rSpawnFiber");
  return startFiber(scope, name, () => callProc(fn, arg), { deferred: true });
}
