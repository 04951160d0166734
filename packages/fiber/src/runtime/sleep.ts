// rSleep: suspend the calling fiber for a while.
import { sleep } from "effection";
import type { Operation } from "effection";

/**
 * Suspend the caller for `ms` milliseconds; halting it cancels the timer.
 * @param ms - how long to sleep
 * @returns an operation that completes after `ms`
 * @example
 * ```ts
 * yield* rSleep(100);
 * ```
 */
export function rSleep(ms: number): Operation<void> {
  return sleep(ms);
}
