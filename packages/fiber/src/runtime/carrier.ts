// Carriers: pooled effection tasks that fibers run on while they are busy.
//
// A fiber needs an effection task only while it is busy: from its start, or from a wake-up out
// of hibernation, until it ends or hibernates (a stint). Creating an effection task costs
// ~70-100 us and ~15 KB of garbage on the benchmark machine (a scope, a coroutine, futures and
// their closures); resuming a task that waits costs ~3 us. A carrier is a task that runs stints
// one after another: when its fiber ends or hibernates and leaves nothing in the task (no child
// task, resource, `scoped()` block or context of its own), the carrier waits in its home's pool
// and the next fiber to start or wake runs on it. A carrier left holding something, or whose
// fiber was halted, ends instead, and what it holds ends with it, as with a task of the fiber's own.
import { action, useScope, type Coroutine, type Operation, type Scope, type Task } from "effection";
import { ErrorBoundaryContext } from "./error-boundary.js";
import { FiberContext } from "./fiber-context.js";
import type { FiberRecord } from "./fiber.js";
import { currentCoroutine, taskHoldsNothing, type FiberDriver } from "./hibernate.js";
import { fiberPool } from "./limits.js";
import { rError } from "./log.js";

/** Where idle carriers wait for fibers: a fiber home. */
export interface CarrierPool {
  /**
   * Keep `carrier`, idle, for the next fiber.
   * @returns false if no carrier may wait (the pool is closing, or full): the carrier then ends
   */
  park(carrier: Carrier): boolean;
  /** `carrier` ended while idle (its owner is ending): forget it. */
  drop(carrier: Carrier): void;
  /** Run `fiber`'s next stint on an idle carrier, or on a new one. */
  carry(fiber: FiberRecord): void;
}

/**
 * A pooled effection task that runs fibers' stints one after another. Each stint runs with the
 * fiber's identity and error boundary on the carrier's scope; {@link Carrier.halt} halts the
 * fiber on it (what `Fiber.halt()` does to a busy fiber), and the carrier with it.
 */
export class Carrier {
  /** The carrier's task; undefined until the call that started it has returned. */
  private task: Task<void> | undefined = undefined;
  /** The scope of that task, from its first step on: the scope its fibers run in. */
  scope: Scope | undefined = undefined;
  /** The fiber whose stint runs now. */
  private current: FiberRecord | undefined = undefined;
  /** The fiber handed over for the next stint, until the carrier takes it up. */
  private handed: FiberRecord | undefined = undefined;
  /** Resumes the idle carrier once it has been handed a fiber. */
  private hand: (() => void) | undefined = undefined;
  /** The fiber halted before the call that started the carrier returned (its task unknown). */
  private haltOnStart: FiberRecord | undefined = undefined;
  /** Halts waiting for fibers that ended here: settled once what they left is torn down. */
  private endWaiters: (() => void)[] | undefined = undefined;

  private constructor(private readonly pool: CarrierPool) {}

  /**
   * Start a new carrier with `fiber`'s stint. From plain code the stint runs inside this call
   * up to its first wait; inside another task's step, once that step ends.
   * @param run - starts a task under the pool's scope
   * @param pool - where the carrier waits when idle
   * @param fiber - the fiber to run first
   */
  static launch(run: (body: () => Operation<void>) => Task<void>, pool: CarrierPool, fiber: FiberRecord): void {
    const carrier = new Carrier(pool);
    fiberPool.carriers++;
    carrier.handed = fiber;
    fiber.carrier = carrier;
    const task = run(() => carrier.run());
    carrier.task = task;
    const ended = () => carrier.ended();
    task.then(ended, ended);
    // Halted while it ran inside this call: if that fiber still runs here, halt it now.
    const halted = carrier.haltOnStart;
    carrier.haltOnStart = undefined;
    if (halted !== undefined && halted === carrier.current) carrier.haltTask();
  }

  /**
   * Run `fiber`'s next stint on this idle carrier (taken out of the pool by the caller). From
   * plain code it runs inside this call; inside another task's step, once that step ends.
   * @throws Error if the carrier is not idle
   */
  take(fiber: FiberRecord): void {
    const hand = this.hand;
    if (hand === undefined) throw new Error("a carrier was handed a fiber while busy");
    this.hand = undefined;
    this.handed = fiber;
    fiber.carrier = this;
    hand();
  }

  /**
   * Halt `fiber`, which runs on this carrier or was handed to it. A fiber not yet taken up is
   * only marked: its stint begins by halting it, so that no task is halted before it starts
   * (effection would then never run it, and the fiber would never end).
   */
  halt(fiber: FiberRecord): void {
    if (this.current !== fiber) {
      fiber.haltPending = true;
      return;
    }
    if (this.task !== undefined) {
      this.haltTask();
      return;
    }
    // Inside the call that starts the carrier: the body returns at its next step, and if it
    // waits instead, launch() halts the task once it knows it.
    (fiber.driver as FiberDriver).prepare("halt");
    this.haltOnStart = fiber;
  }

  /**
   * A fiber ended on this carrier: settle `waiters` (its halts) once what the fiber left is
   * torn down: at once if the carrier is reused, else when the carrier's task has ended.
   */
  settleAfterStint(waiters: (() => void)[]): void {
    (this.endWaiters ??= []).push(...waiters);
  }

  private haltTask(): void {
    (this.task as Task<void>).halt().then(undefined, (error: unknown) => {
      rError("fiber", "a carrier's teardown failed: %s", error instanceof Error ? (error.stack ?? error.message) : String(error));
    });
  }

  /**
   * The carrier's task has ended: settle the halts it holds, and halt a fiber it was handed but
   * never took up. That happens when the carrier is halted in the instant after a hand-over
   * (both inside one effection step), or before its first step (effection then never runs
   * it): whoever halted the carrier meant its fiber too.
   */
  private ended(): void {
    this.settleEndWaiters();
    const handed = this.handed;
    if (handed === undefined) return;
    this.handed = undefined;
    handed.carrierHalted();
  }

  private settleEndWaiters(): void {
    const waiters = this.endWaiters;
    this.endWaiters = undefined;
    if (waiters) for (const resolve of waiters) resolve();
  }

  private *run(): Operation<void> {
    const scope = yield* useScope();
    this.scope = scope;
    const routine = yield* currentCoroutine();
    for (;;) {
      if (!(yield* this.stint(scope, routine))) return;
      this.settleEndWaiters();
      // Idle, the carrier keeps nothing of the fibers it carried: not their identity, not
      // their error boundary, and not the last value one of their effects resolved with,
      // which effection keeps in the coroutine until the next effect (overwritten here).
      scope.delete(FiberContext);
      scope.delete(ErrorBoundaryContext);
      yield* currentCoroutine();
      if (!(yield* this.waitForFiber())) return;
    }
  }

  /**
   * Run the handed fiber's stint: from its start, woken out of hibernation, or halted.
   * (A generator of its own, so that no frame of the idle carrier keeps the fiber.)
   * @returns whether the carrier may carry another fiber: its fiber was not halted and left
   *   nothing in it
   */
  private *stint(scope: Scope, routine: Coroutine): Operation<boolean> {
    const fiber = this.handed as FiberRecord; // set by launch() or take() before resuming
    this.handed = undefined;
    this.current = fiber;
    scope.set(FiberContext, fiber);
    scope.set(ErrorBoundaryContext, fiber);
    const driver = fiber.driver as FiberDriver; // created with the fiber, before its first stint
    if (fiber.haltPending && !fiber.haltBeforeStint()) {
      this.current = undefined;
      return true; // it never ran: nothing to clean up
    }
    const resumption = driver.resumption;
    // Halted out of hibernation, the body returns here, on a carrier nobody has halted as far
    // as effection knows: critical, as effection's own cleanup is, so that a second halt (or
    // the owner ending) does not cut that cleanup short.
    if (resumption === "halt") routine.data.critical = true;
    else if (resumption === "wake") driver.prepare("wake", routine);
    yield* driver;
    this.current = undefined;
    // A halted body whose cleanup yielded comes back here as if it had returned: the carrier
    // itself may be halted, and must end.
    return resumption !== "halt" && !driver.halting && taskHoldsNothing(scope);
  }

  /** Wait in the pool for the next fiber. @returns false at once if the pool does not keep it. */
  private waitForFiber(): Operation<boolean> {
    return action<boolean>((resolve) => {
      if (!this.pool.park(this)) {
        resolve(false);
        return () => {};
      }
      this.hand = () => resolve(true);
      return () => {
        if (this.hand === undefined) return; // handed a fiber
        this.hand = undefined;
        this.pool.drop(this);
      };
    });
  }
}
