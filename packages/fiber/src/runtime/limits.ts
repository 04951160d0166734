// The cap on live fibers: slots, the FIFO queue of fibers waiting for one, and the counters.
import { resource } from "effection";
import type { Operation } from "effection";

/** Counters of the fiber runtime, as {@link rGetFiberStats} reports them. */
export interface FiberStats {
  /** Fibers holding a slot: running, or admitted and about to run. */
  active: number;
  /** The cap on active fibers; `Infinity` when there is none. */
  max: number;
  /** Fibers waiting in the FIFO queue for a slot. */
  queued: number;
  /** The most fibers ever active at once. */
  peak: number;
  /** Fibers that got a slot (so `started = finished + active`). */
  started: number;
  /** Fibers that ended after starting: returned, failed or halted. */
  finished: number;
  /** Of the finished fibers, those that threw. */
  failed: number;
  /** Fibers that gave up waiting in the queue (their `queueTimeout` passed) and never ran. */
  expired: number;
  /** Active fibers hibernating: idle with no effection task of their own (see `Fiber.hibernating`). */
  hibernating: number;
  /**
   * Effection tasks started to carry fibers. A carrier runs one fiber at a time and is reused
   * once its fiber ends or hibernates leaving nothing in it, so short fibers one after another
   * need few: far fewer than `started`.
   */
  carriers: number;
}

/** Something waiting for a slot; `admit` hands it one (it must release it later). */
export interface SlotWaiter {
  admit(): void;
}

/** The process-wide pool of fiber slots. Internal: users reach it through the functions below. */
export class FiberPool {
  max = Infinity;
  active = 0;
  peak = 0;
  started = 0;
  finished = 0;
  failed = 0;
  expired = 0;
  hibernating = 0;
  carriers = 0;
  /** Carriers idle in the homes' pools, all homes together (bounded by `MAX_IDLE_CARRIERS`). */
  idleCarriers = 0;
  /** Waiters in arrival order (a Set keeps insertion order and removes in O(1)). */
  readonly waiting = new Set<SlotWaiter>();

  /** Take a slot at once if one is free and nobody is queued ahead. */
  tryAcquire(): boolean {
    if (this.waiting.size > 0 || this.active >= this.max) return false;
    this.take();
    return true;
  }

  /** Queue a waiter; it is admitted in FIFO order as slots free up. */
  enqueue(waiter: SlotWaiter): void {
    this.waiting.add(waiter);
  }

  /** Remove a waiter that no longer wants a slot (halted, or its queue timeout passed). */
  cancel(waiter: SlotWaiter): void {
    this.waiting.delete(waiter);
  }

  /** Give a slot back when its fiber ends, and admit whoever waits next. */
  release(failed: boolean): void {
    this.active--;
    this.finished++;
    if (failed) this.failed++;
    this.admitWaiting();
  }

  /** Change the cap; raising it admits queued fibers at once. */
  setMax(max: number): void {
    this.max = max;
    this.admitWaiting();
  }

  stats(): FiberStats {
    const { active, max, peak, started, finished, failed, expired, hibernating, carriers } = this;
    return { active, max, queued: this.waiting.size, peak, started, finished, failed, expired, hibernating, carriers };
  }

  private take(): void {
    this.active++;
    this.started++;
    if (this.active > this.peak) this.peak = this.active;
  }

  private admitWaiting(): void {
    while (this.waiting.size > 0 && this.active < this.max) {
      const next = this.waiting.values().next().value as SlotWaiter;
      this.waiting.delete(next);
      this.take();
      next.admit();
    }
  }
}

/** The single pool every fiber of this process counts against, as in the C runtime. */
export const fiberPool = new FiberPool();

function toCap(max: number, caller: string): number {
  if (max === Infinity) return Infinity;
  if (!Number.isInteger(max) || max < 0) {
    throw new RangeError(`${caller}: max must be a whole number >= 0 or Infinity, got ${max}`);
  }
  return max === 0 ? Infinity : max;
}

/**
 * Cap the number of live fibers. Fibers spawned past the cap wait in FIFO order and start as
 * fibers end; none is dropped. Raising the cap starts queued fibers at once; lowering it lets
 * the running ones finish.
 * @param max - the most fibers alive at once; `0` or `Infinity` means no cap (the default)
 * @param _poolMin - accepted for the C signature; effection tasks keep no stack pool
 * @param _poolMax - accepted for the C signature; effection tasks keep no stack pool
 * @throws RangeError if `max` is negative or not a whole number
 * @example
 * ```ts
 * rSetFiberLimits(100, 0, 0);
 * ```
 */
export function rSetFiberLimits(max: number, _poolMin = 0, _poolMax = 0): void {
  fiberPool.setMax(toCap(max, "rSetFiberLimits"));
}

/**
 * A snapshot of the fiber counters.
 * @returns active, max, queued, peak, started, finished, failed, expired, hibernating and carriers counts
 */
export function rGetFiberStats(): FiberStats {
  return fiberPool.stats();
}

/**
 * Cap live fibers for as long as the caller's scope lives, then put the previous cap back.
 * The idiomatic face of {@link rSetFiberLimits}.
 * @param max - the most fibers alive at once; `0` or `Infinity` means no cap
 * @returns an operation that installs the cap and returns once it is in force
 * @throws RangeError if `max` is negative or not a whole number
 * @example
 * ```ts
 * yield* useFiberLimits(config.limits.fibers);
 * ```
 */
export function useFiberLimits(max: number): Operation<void> {
  const cap = toCap(max, "useFiberLimits");
  return resource(function* (provide) {
    const previous = fiberPool.max;
    fiberPool.setMax(cap);
    try {
      yield* provide();
    } finally {
      fiberPool.setMax(previous);
    }
  });
}
