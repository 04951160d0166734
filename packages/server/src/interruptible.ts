// Running an operation that outside events (a timer, a closed connection, a stop) may cut short.
import { spawn, withResolvers, type Operation } from "effection";

/**
 * Run `body` in a child task until it returns, or until a trigger armed by `arm` interrupts it
 * with a reason; then it is halted (its cleanup runs) and the reason is returned. Cheaper than
 * a `race` against operations, which matters because it runs for every request.
 * @param body the operation to run.
 * @param arm installs the triggers (timers, listeners) that call `interrupt`, and returns a
 * function that removes them; it is called once, before `body` starts.
 * @returns `"done"` when `body` returned, else the reason it was interrupted with.
 * @throws whatever `body` throws.
 * @example
 * const outcome = yield* runInterruptible(() => answer(req), (interrupt) => {
 *   const timer = setTimeout(() => interrupt("timeout"), 5000);
 *   return () => clearTimeout(timer);
 * });
 */
export function* runInterruptible<Reason extends string>(
  body: () => Operation<unknown>,
  arm: (interrupt: (reason: Reason) => void) => () => void,
): Operation<"done" | Reason> {
  const ended = withResolvers<"done" | Reason>("runInterruptible");
  const disarm = arm(ended.resolve);
  try {
    const task = yield* spawn(function* () {
      try {
        yield* body();
        ended.resolve("done");
      } catch (error) {
        ended.reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    const outcome = yield* ended.operation;
    if (outcome !== "done") yield* task.halt();
    return outcome;
  } finally {
    disarm();
  }
}

/**
 * Arm a timer for {@link runInterruptible}: interrupt with `reason` after `ms` milliseconds.
 * @param ms the delay; 0, negative or Infinity arms nothing.
 * @param interrupt the function `arm` was given.
 * @param reason the reason to interrupt with.
 * @returns a function that clears the timer.
 */
export function armTimer<Reason extends string>(ms: number, interrupt: (reason: Reason) => void, reason: Reason): () => void {
  if (!(ms > 0 && Number.isFinite(ms))) return () => {};
  const timer = setTimeout(() => interrupt(reason), ms);
  return () => clearTimeout(timer);
}
