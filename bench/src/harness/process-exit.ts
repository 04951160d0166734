// Waiting for a child process to exit, and stopping one politely then firmly.
import type { ChildProcess } from "node:child_process";
import { action, race, sleep, type Operation } from "effection";

/**
 * Wait until `child` has exited.
 * @param child the process.
 * @returns its exit code (null if killed by a signal).
 */
export function exited(child: ChildProcess): Operation<number | null> {
  return action((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode);
      return () => undefined;
    }
    const onExit = (code: number | null) => resolve(code);
    child.once("exit", onExit);
    return () => child.off("exit", onExit);
  });
}

/**
 * Send SIGTERM, wait up to `graceMs` for the exit, then SIGKILL and wait again.
 * @param child the process to stop.
 * @param graceMs how long it may take to shut down.
 */
export function* stopProcess(child: ChildProcess, graceMs: number): Operation<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const stopped = yield* race([
    (function* () {
      yield* exited(child);
      return true;
    })(),
    (function* () {
      yield* sleep(graceMs);
      return false;
    })(),
  ]);
  if (!stopped) {
    child.kill("SIGKILL");
    yield* exited(child);
  }
}
