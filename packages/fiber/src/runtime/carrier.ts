// Carriers: pooled effection tasks that fibers run on while they are busy.
//
// A fiber needs an effection task only while it is busy: from its start, or from a wake-up out
// of hibernation, until it ends or hibernates (a stint). Creating an effection task costs
// ~70-100 us and ~15 KB of garbage on the benchmark machine (a scope, a coroutine, futures and
// their closures); resuming a task that waits costs ~3 us. A carrier is a task that runs stints
// one after another: when its fiber ends or hibernates and leaves nothing in the task (no child
// task, resource, `scoped()` block or context of its own), the carrier waits in its home's pool
// and the next fiber to start or wake runs on it. A carrier left holding something ends instead,
// and what it holds ends with it, as it would with a task of the fiber's own.
import { action, useScope, type Operation, type Task } from "effection";
import { ErrorBoundaryContext } from "./error-boundary.js";
import { FiberContext } from "./fiber-context.js";
import type { FiberRecord } from "./fiber.js";
import { currentCoroutine, taskHoldsNothing, type FiberDriver } from "./hibernate.js";
import { fiberPool } from "./limits.js";

/** Where idle carriers wait for fibers: a fiber home. */
export interface CarrierPool {
  /**
   * Keep `carrier`, idle, for the next fiber.
   * @returns false if the pool is full or closing: the carrier then ends
   */
  park(carrier: Carrier): boolean;
  /** `carrier` ended while idle (its owner is ending): forget it. */
  drop(carrier: Carrier): void;
  /** Run `fiber`'s next stint on an idle carrier, or on a new one. */
  carry(fiber: FiberRecord): void;
}

/**
 * A pooled effection task that runs fibers' stints one after another. Each stint runs with the
 * fiber's identity and error boundary on the carrier's scope; halting the carrier's task (what
 * `Fiber.halt()` does to a busy fiber) halts the fiber running on it.
 */
export class Carrier {
  /** The carrier's task; undefined until the call that started it has returned. */
  private task: Task<void> | undefined = undefined;
  /** The fiber whose stint runs now. */
  private current: FiberRecord | undefined = undefined;
  /** Resumes the idle carrier with its next fiber. */
  private hand: ((fiber: FiberRecord | undefined) => void) | undefined = undefined;
  /** A fiber handed over and not yet taken up (see {@link Carrier.take}). */
  private handed: FiberRecord | undefined = undefined;

  private constructor(private readonly pool: CarrierPool) {}

  /**
   * Start a new carrier under the pool's scope with `fiber`'s stint. From plain code the stint
   * runs inside this call up to its first wait.
   * @param run - starts a task (the pool's `scope.run`)
   * @param pool - where the carrier waits when idle
   * @param fiber - the fiber to run first
   */
  static launch(run: (body: () => Operation<void>) => Task<void>, pool: CarrierPool, fiber: FiberRecord): void {
    const carrier = new Carrier(pool);
    fiberPool.carriers++;
    const task = run(() => carrier.run(fiber));
    carrier.task = task;
    // Only a stint still running names the carrier as its fiber's task.
    if (carrier.current === fiber) fiber.task = task;
  }

  /**
   * Run `fiber`'s next stint on this idle carrier (taken out of the pool by the caller). From
   * plain code it runs inside this call; inside another task's step, when that step ends.
   */
  take(fiber: FiberRecord): void {
    const hand = this.hand;
    if (hand === undefined) throw new Error("a carrier was handed a fiber while busy");
    this.hand = undefined;
    this.handed = fiber;
    fiber.task = this.task;
    hand(fiber);
  }

  private *run(first: FiberRecord): Operation<void> {
    const scope = yield* useScope();
    const routine = yield* currentCoroutine();
    let fiber: FiberRecord | undefined = first;
    while (fiber !== undefined) {
      this.current = fiber;
      fiber.scope = scope;
      scope.set(FiberContext, fiber);
      scope.set(ErrorBoundaryContext, fiber);
      const driver = fiber.driver as FiberDriver; // created with the fiber, before its first stint
      const resumption = driver.resumption;
      // Halted out of hibernation, the body returns here, on a carrier nobody has halted as
      // far as effection knows: critical, as effection's own cleanup is, so that a second halt
      // (or the owner ending) does not cut that cleanup short. Such a carrier is not reused.
      if (resumption === "halt") routine.data.critical = true;
      else if (resumption === "wake") driver.prepare("wake", routine);
      yield* driver;
      this.current = undefined;
      if (resumption === "halt" || !taskHoldsNothing(scope)) return;
      fiber = undefined;
      try {
        fiber = yield* this.waitForFiber();
      } finally {
        // Halted in the instant after a hand-over, before taking the fiber up (both inside
        // one effection step): whoever halted the carrier meant its fiber.
        const handed = this.handed;
        this.handed = undefined;
        if (fiber === undefined && handed !== undefined) handed.carrierHalted();
      }
    }
  }

  /** Wait in the pool for the next fiber; undefined at once if the pool does not keep it. */
  private waitForFiber(): Operation<FiberRecord | undefined> {
    return action<FiberRecord | undefined>((resolve) => {
      if (!this.pool.park(this)) {
        resolve(undefined);
        return () => {};
      }
      this.hand = resolve;
      return () => {
        if (this.hand === undefined) return; // handed a fiber
        this.hand = undefined;
        this.pool.drop(this);
      };
    });
  }
}
