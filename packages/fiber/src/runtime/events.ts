// One-shot events: callbacks run in their own fiber after a delay, cancellable until they fire.
import type { Scope } from "effection";
import { startFiber } from "./fiber.js";
import { callProc } from "./proc.js";
import type { FiberProc } from "./proc.js";
import { requireRuntime } from "./runtime.js";
import type { Runtime } from "./runtime.js";
import { Schedule, timerDelay, type Scheduled } from "./schedule.js";

/** A pending event as {@link rLookupEvent} reports it. */
export interface EventInfo {
  /** The id `rStartEvent` returned. */
  readonly id: number;
  /** When it is due, in `Date.now()` milliseconds. */
  readonly due: number;
}

interface PendingEvent extends Scheduled {
  readonly id: number;
  readonly fn: FiberProc;
  readonly data: unknown;
}

let nextId = 1;
let nextSeq = 0;

/** The events of one runtime and the single timer armed for the earliest of them. */
class EventQueue {
  private readonly schedule = new Schedule<PendingEvent>();
  private readonly pending = new Map<number, PendingEvent>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;

  constructor(private readonly scope: Scope) {}

  add(fn: FiberProc, data: unknown, delay: number): number {
    const event: PendingEvent = { id: nextId++, seq: nextSeq++, due: Date.now() + delay, fn, data, index: -1 };
    this.pending.set(event.id, event);
    this.schedule.add(event);
    this.arm();
    return event.id;
  }

  lookup(id: number): PendingEvent | undefined {
    return this.pending.get(id);
  }

  /** Take a pending event off the schedule; it will not run from there. */
  take(id: number): PendingEvent | undefined {
    const event = this.pending.get(id);
    if (!event) return undefined;
    this.pending.delete(id);
    this.schedule.remove(event);
    if (this.schedule.size === 0) this.disarm();
    return event;
  }

  launch(event: PendingEvent, deferred: boolean): void {
    startFiber(this.scope, "event", () => callProc(event.fn, event.data), { deferred });
  }

  clear(): void {
    this.disarm();
    this.schedule.clear();
    this.pending.clear();
  }

  private arm(): void {
    const first = this.schedule.peek();
    if (!first || first.due >= this.armedFor) return;
    this.disarm();
    this.armedFor = first.due;
    this.timer = setTimeout(() => this.fire(), timerDelay(first.due, Date.now()));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    for (let event = this.schedule.peek(); event && event.due <= now; event = this.schedule.peek()) {
      this.take(event.id);
      this.launch(event, false);
    }
    this.arm();
  }
}

const queues = new WeakMap<Runtime, EventQueue>();

function queueFor(caller: string): EventQueue {
  const runtime = requireRuntime(caller);
  let queue = queues.get(runtime);
  if (!queue) {
    const created = new EventQueue(runtime.scope);
    runtime.onStop(() => created.clear());
    queues.set(runtime, created);
    queue = created;
  }
  return queue;
}

/**
 * Schedule `fn(data)` to run once, in its own fiber, after `delay` ms. Events with the same due
 * time run in the order they were scheduled.
 * @param fn - the event's body: a generator function or a plain function
 * @param data - passed to `fn`
 * @param delay - milliseconds from now (0: as soon as possible)
 * @returns the event's id, for `rStopEvent`, `rRunEvent` and `rLookupEvent`
 * @throws Error if the runtime is not running
 * @throws RangeError if `delay` is negative or not a number
 * @example
 * ```ts
 * const id = rStartEvent(function* (who) { rInfo("app", "hello %s", who); }, "world", 1000);
 * ```
 */
export function rStartEvent<T>(fn: FiberProc<T>, data: T, delay: number): number {
  if (!(delay >= 0)) throw new RangeError(`rStartEvent: delay must be >= 0, got ${delay}`);
  return queueFor("rStartEvent").add(fn as FiberProc, data, delay);
}

/**
 * Cancel a pending event: it is guaranteed never to run.
 * @param id - the id `rStartEvent` returned
 * @returns true if the event was pending; false if it had already run or been stopped
 * @throws Error if the runtime is not running
 */
export function rStopEvent(id: number): boolean {
  return queueFor("rStopEvent").take(id) !== undefined;
}

/**
 * Run a pending event now instead of at its due time: its fiber starts on the next turn.
 * @param id - the id `rStartEvent` returned
 * @returns true if the event was pending and now runs; false if it had already run or been stopped
 * @throws Error if the runtime is not running
 */
export function rRunEvent(id: number): boolean {
  const queue = queueFor("rRunEvent");
  const event = queue.take(id);
  if (!event) return false;
  queue.launch(event, true);
  return true;
}

/**
 * Find a pending event.
 * @param id - the id `rStartEvent` returned
 * @returns its id and due time, or undefined if it has run or been stopped
 * @throws Error if the runtime is not running
 */
export function rLookupEvent(id: number): EventInfo | undefined {
  const event = queueFor("rLookupEvent").lookup(id);
  return event && { id: event.id, due: event.due };
}
