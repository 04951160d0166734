// Named signals: watchers registered by name, run in fibers (rSignal) or inline (rSignalSync).
import type { Operation } from "effection";
import { startFiber } from "./fiber.js";
import { callProc } from "./proc.js";
import { requireRuntime } from "./runtime.js";
import type { Runtime } from "./runtime.js";

/** A watcher: called with the data given to `rWatch` and the argument of the signal. */
export type WatchProc<D = unknown, A = unknown> = (data: D, arg: A) => Operation<unknown> | void;

interface Watcher {
  readonly fn: WatchProc;
  readonly data: unknown;
  /** False once removed: a delivery that has not reached it yet skips it. */
  active: boolean;
}

const registries = new WeakMap<Runtime, Map<string, Watcher[]>>();

function registryFor(caller: string): Map<string, Watcher[]> {
  const runtime = requireRuntime(caller);
  let registry = registries.get(runtime);
  if (!registry) {
    const created = new Map<string, Watcher[]>();
    runtime.onStop(() => created.clear());
    registries.set(runtime, created);
    registry = created;
  }
  return registry;
}

/**
 * Watch the signal `name`: each time it is raised, `fn(data, arg)` runs. A watcher added while
 * a signal is being delivered does not receive that signal.
 * @param name - the signal's name
 * @param fn - the watcher: a generator function or a plain function
 * @param data - passed to `fn` as its first argument
 * @throws Error if the runtime is not running
 * @example
 * ```ts
 * rWatch("config:changed", function* (_data, file) { rInfo("app", "reload %s", file); }, null);
 * rSignal("config:changed", "web.json5");
 * ```
 */
export function rWatch<D, A = unknown>(name: string, fn: WatchProc<D, A>, data: D): void {
  const registry = registryFor("rWatch");
  const watcher: Watcher = { fn: fn as WatchProc, data, active: true };
  const list = registry.get(name);
  if (list) list.push(watcher);
  else registry.set(name, [watcher]);
}

/**
 * Stop watching: remove the first watcher of `name` registered with this `fn` and `data`.
 * A delivery in flight that has not reached it yet skips it.
 * @param name - the signal's name
 * @param fn - the watcher given to `rWatch`
 * @param data - the data given to `rWatch`
 * @returns true if a watcher was removed
 * @throws Error if the runtime is not running
 */
export function rWatchOff<D, A = unknown>(name: string, fn: WatchProc<D, A>, data: D): boolean {
  const registry = registryFor("rWatchOff");
  const list = registry.get(name);
  const index = list ? list.findIndex((w) => w.fn === fn && w.data === data) : -1;
  if (!list || index < 0) return false;
  const [removed] = list.splice(index, 1);
  if (removed) removed.active = false;
  if (list.length === 0) registry.delete(name);
  return true;
}

function watchersOf(name: string, caller: string): Watcher[] {
  return [...(registryFor(caller).get(name) ?? [])];
}

/**
 * Raise the signal `name`: each watcher runs in its own fiber, starting on the next turn, in the
 * order the watchers were added. A watcher's failure is logged and contained.
 * @param name - the signal's name
 * @param arg - passed to each watcher as its second argument
 * @returns how many watchers the signal was delivered to
 * @throws Error if the runtime is not running
 */
export function rSignal(name: string, arg?: unknown): number {
  const watchers = watchersOf(name, "rSignal");
  const { scope } = requireRuntime("rSignal");
  for (const watcher of watchers) {
    startFiber(
      scope,
      name,
      function* () {
        if (watcher.active) yield* callProc(watcher.fn, watcher.data, arg);
      },
      { deferred: true },
    );
  }
  return watchers.length;
}

/**
 * Raise the signal `name` and run each watcher inline, in the caller's fiber, one after another,
 * before returning. A watcher removed by an earlier one is skipped.
 * @param name - the signal's name
 * @param arg - passed to each watcher as its second argument
 * @returns an operation that completes when every watcher has run
 * @throws Error if the runtime is not running; whatever a watcher throws
 */
export function* rSignalSync(name: string, arg?: unknown): Operation<void> {
  for (const watcher of watchersOf(name, "rSignalSync")) {
    if (watcher.active) yield* callProc(watcher.fn, watcher.data, arg);
  }
}
