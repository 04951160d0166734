// The event schedule: a binary min-heap ordered by due time, then by the order of scheduling.

/** The longest delay Node's timers take: a longer one fires after 1 ms (~24.8 days, in ms). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * The delay to give a Node timer for an entry due at `due`: at once if it is past, and never
 * more than {@link MAX_TIMER_DELAY}, so an entry due later wakes its owner early, to find
 * nothing due and set the timer again, instead of after 1 ms.
 * @param due - when the entry is due, in ms on the clock of `now`
 * @param now - the time now
 * @returns the delay in ms
 */
export function timerDelay(due: number, now: number): number {
  return Math.min(MAX_TIMER_DELAY, Math.max(0, due - now));
}

/** An entry of the schedule; `index` is its place in the heap (-1 once out of it). */
export interface Scheduled {
  readonly due: number;
  readonly seq: number;
  index: number;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/** Entries by due time; equal due times keep their order of scheduling. O(log n) each way. */
export class Schedule<T extends Scheduled> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The entry due first, without removing it. */
  peek(): T | undefined {
    return this.heap[0];
  }

  add(entry: T): void {
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
  }

  /** Remove `entry` wherever it is; false if it was not scheduled. */
  remove(entry: T): boolean {
    const { heap } = this;
    const at = entry.index;
    if (at < 0 || heap[at] !== entry) return false;
    const last = heap.pop();
    entry.index = -1;
    if (last && last !== entry) {
      heap[at] = last;
      last.index = at;
      this.down(at);
      this.up(last.index);
    }
    return true;
  }

  /** Remove every entry. */
  clear(): void {
    for (const entry of this.heap) entry.index = -1;
    this.heap.length = 0;
  }

  private up(at: number): void {
    const { heap } = this;
    const entry = heap[at];
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = heap[parentAt];
      if (!before(entry, parent)) break;
      heap[at] = parent;
      parent.index = at;
      at = parentAt;
    }
    heap[at] = entry;
    entry.index = at;
  }

  private down(at: number): void {
    const { heap } = this;
    const entry = heap[at];
    const half = heap.length >> 1;
    while (at < half) {
      let childAt = 2 * at + 1;
      let child = heap[childAt];
      const rightAt = childAt + 1;
      if (rightAt < heap.length && before(heap[rightAt], child)) {
        childAt = rightAt;
        child = heap[rightAt];
      }
      if (!before(child, entry)) break;
      heap[at] = child;
      child.index = at;
      at = childAt;
    }
    heap[at] = entry;
    entry.index = at;
  }
}
