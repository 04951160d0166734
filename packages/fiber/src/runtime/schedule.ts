// The event schedule: a binary min-heap ordered by due time, then by the order of scheduling.

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
