// The time source behind every connection timer, replaceable so tests can control time.
import { createContext } from "effection";
import { Schedule, timerDelay, type Scheduled } from "../runtime/schedule.js";

/** An opaque handle for a timer set with {@link Clock.setTimer}. */
export type TimerHandle = unknown;

/**
 * Where connections read the time and set their timers (inactivity, keep-alive, close and
 * send timeouts). The system clock is the default; the testing kit installs a manual one.
 */
export interface Clock {
  /** The current time in milliseconds, on a clock of its own (differences are what count). */
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

/**
 * The system clock's time: monotonic, unlike `Date.now`, so that setting the wall clock (an NTP
 * step) neither expires every connection's deadline at once nor holds its timers back. In whole
 * milliseconds (the timers' own resolution): a field that only ever holds small integers keeps
 * them in place, where a fraction takes a 16-byte box of its own. A connection keeps three such
 * times (when input last came, when its timer is due, twice): 48 bytes per idle connection.
 */
const monotonicNow = (): number => Math.floor(performance.now());

/** A timer of the system clock: due at `due` (ms, {@link monotonicNow} time), `seq` orders equal times. */
class SystemTimer implements Scheduled {
  index = -1;

  constructor(
    readonly due: number,
    readonly seq: number,
    readonly callback: (target: never) => void,
    readonly target: unknown,
  ) {}
}

/**
 * Every connection timer of the process in one schedule, behind one unreferenced Node timer
 * set for the earliest. A connection's timer is then a small entry instead of a Node `Timeout`
 * with its arguments (~110 bytes less per idle connection), and setting or cancelling one
 * touches no Node timer unless it becomes the earliest.
 */
class SystemTimers {
  private readonly schedule = new Schedule<SystemTimer>();
  private seq = 0;
  private node: ReturnType<typeof setTimeout> | undefined = undefined;
  private nodeDue = Infinity;
  private readonly fire = (): void => {
    this.node = undefined;
    this.nodeDue = Infinity;
    const now = monotonicNow();
    try {
      for (let next = this.schedule.peek(); next !== undefined && next.due <= now; next = this.schedule.peek()) {
        this.schedule.remove(next);
        next.callback(next.target as never);
      }
    } finally {
      this.arm();
    }
  };

  set<T>(callback: (target: T) => void, ms: number, target: T): SystemTimer {
    const timer = new SystemTimer(monotonicNow() + ms, this.seq++, callback as (target: never) => void, target);
    this.schedule.add(timer);
    if (timer.due < this.nodeDue) this.arm();
    return timer;
  }

  clear(timer: SystemTimer): void {
    // A Node timer left for a cancelled entry fires once and finds nothing due, or re-arms.
    this.schedule.remove(timer);
    if (this.schedule.size === 0) this.arm();
  }

  /** Point the Node timer at the earliest entry (none when the schedule is empty). */
  private arm(): void {
    const next = this.schedule.peek();
    if (next !== undefined && next.due >= this.nodeDue) return;
    if (this.node !== undefined) clearTimeout(this.node);
    this.node = undefined;
    this.nodeDue = Infinity;
    if (next === undefined) return;
    this.nodeDue = next.due;
    this.node = setTimeout(this.fire, timerDelay(next.due, monotonicNow()));
    this.node.unref();
  }
}

const systemTimers = new SystemTimers();

/** The real clock: monotonic time, and timers kept in one schedule behind one unreferenced Node timer. */
export const systemClock: Clock = {
  now: monotonicNow,
  setTimer: (callback, ms, target) => systemTimers.set(callback, ms, target),
  clearTimer(handle) {
    systemTimers.clear(handle as SystemTimer);
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
