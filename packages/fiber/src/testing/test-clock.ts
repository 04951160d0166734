// Controlled time for tests: a manual clock that connections use for their timers.
import { sleep, type Operation } from "effection";
import { ClockContext, type Clock, type TimerHandle } from "../websocket/clock.js";

interface ManualTimer {
  at: number;
  seq: number;
  fire: () => void;
}

/**
 * A clock that only moves when told: timers fire in order, during {@link TestClock.advance}.
 * Close waits run on it too: a test that leaves a close unanswered must advance the clock or
 * end the peer's socket before it returns, or the scope's teardown waits for that time.
 */
export class TestClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  /** @param start - the initial time in ms */
  constructor(start = 0) {
    this.time = start;
  }

  /** @returns the current (manual) time in ms */
  now(): number {
    return this.time;
  }

  /** Schedule `callback(target)` at now + `ms`. @returns the timer's handle */
  setTimer<T>(callback: (target: T) => void, ms: number, target: T): TimerHandle {
    const timer: ManualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fire: () => callback(target) };
    this.timers.push(timer);
    return timer;
  }

  /** Cancel a timer. */
  clearTimer(handle: TimerHandle): void {
    const at = this.timers.indexOf(handle as ManualTimer);
    if (at >= 0) this.timers.splice(at, 1);
  }

  /** The number of timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Let tasks spawned so far take their first steps (and set their timers), then move time
   * forward by `ms`, firing every timer that falls due, in order of due time, with the clock
   * set to each timer's time as it fires; then let the tasks and I/O they started take a turn.
   * @param ms - how far to move, in ms
   */
  *advance(ms: number): Operation<void> {
    yield* sleep(0);
    const end = this.time + ms;
    for (let next = this.due(end); next; next = this.due(end)) {
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = next.at;
      next.fire();
    }
    this.time = end;
    yield* sleep(0);
  }

  private due(end: number): ManualTimer | undefined {
    let first: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.at > end) continue;
      if (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq)) first = timer;
    }
    return first;
  }
}

/**
 * Install a manual clock in the current scope: connections created after this (in this scope
 * and its children) take their timeouts, keep-alive pings and close waits from it.
 * @param start - the initial time in ms (default 0)
 * @returns the clock, to `advance`
 * @example
 * ```ts
 * const clock = yield* useTestClock();
 * const { server } = yield* useLoopbackPair();
 * const run = yield* spawn(() => webSocketRun(server, handler, null, null, 1000));
 * yield* clock.advance(1000); // the inactivity timeout fires now
 * ```
 */
export function* useTestClock(start = 0): Operation<TestClock> {
  const clock = new TestClock(start);
  yield* ClockContext.set(clock);
  return clock;
}
