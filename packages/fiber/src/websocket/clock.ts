// The time source behind every connection timer, replaceable so tests can control time.
import { createContext } from "effection";

/** An opaque handle for a timer set with {@link Clock.setTimer}. */
export type TimerHandle = unknown;

/**
 * Where connections read the time and set their timers (inactivity, keep-alive, close and
 * send timeouts). The system clock is the default; the testing kit installs a manual one.
 */
export interface Clock {
  /** The current time in milliseconds. */
  now(): number;
  /**
   * Call `callback(target)` once, `ms` milliseconds from now. The timer must not keep the
   * process alive on its own.
   * @returns a handle for {@link Clock.clearTimer}
   */
  setTimer<T>(callback: (target: T) => void, ms: number, target: T): TimerHandle;
  /** Cancel a timer; cancelling one that already fired does nothing. */
  clearTimer(handle: TimerHandle): void;
}

/** The real clock: `Date.now` and unreferenced `setTimeout` timers. */
export const systemClock: Clock = {
  now: Date.now,
  setTimer(callback, ms, target) {
    return setTimeout(callback, ms, target).unref();
  },
  clearTimer(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The clock that connections created in this scope use. Connections read it once, when they
 * are created.
 * @example
 * ```ts
 * yield* ClockContext.set(myClock); // connections created from here on use myClock
 * ```
 */
export const ClockContext = createContext<Clock>("@fiberws/fiber.clock", systemClock);
