// Hibernation: a fiber idle in a wait gives its carrier (an effection task) back, and resumes on one when woken.
// Inline wake-ups: input wakes a fiber waiting on its carrier by running its body on the caller's stack.
//
// An idle fiber costs its suspended generators (a few hundred bytes each) plus one live effection
// task, its carrier: a scope, a coroutine, futures and their closures, measured at ~10 KB, most
// of a WebSocket connection's idle memory. A fiber that has waited in an IdleWait for
// `hibernateAfter` ms, and whose carrier holds nothing else (no child task, no resource, no
// context of the caller's own), leaves its carrier with its body still suspended; the wake-up
// resumes the body where it waited on a carrier of the same home. The body never sees the
// difference, except that `useScope()` taken before the wait names the old carrier's scope.
import { Ok } from "effection";
import type { Coroutine, Effect, Operation, Result, Scope } from "effection";
import { FiberContext } from "./fiber-context.js";
import type { FiberRecord } from "./fiber.js";

/** The value an idle wait is resumed with when its fiber is to hibernate. */
const HIBERNATE = Symbol("hibernate");

/**
 * The instruction that ends a fiber's stint on its carrier at an idle wait. The fiber's driver
 * takes it when the fiber may hibernate; if it reaches effection instead (the fiber may not
 * hibernate after all), it is an ordinary wait for the same wake-up.
 */
class HibernationRequest implements Effect<void> {
  readonly description = "hibernate until woken";

  constructor(readonly wait: IdleWait) {}

  enter(resolve: (result: Result<void>) => void, routine: Coroutine): (exited: (result: Result<void>) => void) => void {
    return this.wait.waitInTask(resolve, routine);
  }
}

/**
 * A reusable wait for "something happened" (input, a timer) that lets the waiting fiber
 * hibernate once it has waited `hibernateAfter` ms. Wake it with {@link IdleWait.wake}; wait on
 * it as {@link isHibernation} shows. One per waiter (a connection has one), entered at every
 * wait. The waiter is resumed with no value: the coroutine that runs it after the wake-up
 * (another carrier's, after hibernation) is handed over by {@link IdleWait.takeCoroutine}.
 *
 * Why not resume it with the coroutine: a value a generator is resumed with passes through
 * the `yield*` of every frame above it, and a frame V8 has optimized saves only the registers
 * it still needs when it suspends, so a register can keep a value from an earlier step. A
 * hibernating connection's frames kept the coroutine of a carrier they had run on, and with
 * it that carrier's whole task: ~1.3 KB per idle connection (660 ended carriers kept by
 * 2,000 idle connections of the example server).
 */
export class IdleWait implements Effect<unknown> {
  readonly description = "an idle wait";
  /** The fiber registered as idle with its home, while it waits in its task. */
  fiber: FiberRecord | undefined = undefined;
  /** The driver of the fiber whose body waits here straight on its carrier, while it waits. */
  private driver: FiberDriver | undefined = undefined;
  /** Resumes the waiter while it waits in its task. */
  private settle: ((result: Result<unknown>) => void) | undefined = undefined;
  /** The coroutine waiting in its task, handed back by the wake-up. */
  private routine: Coroutine | undefined = undefined;
  /** The fiber hibernating in this wait, resumed by the wake-up. */
  private sleeper: FiberRecord | undefined = undefined;
  /** The coroutine that runs the waiter since its last wake-up, until it takes it or waits again. */
  private wokenIn: Coroutine | undefined = undefined;
  /** The instruction that hibernates the waiter, from the request to hibernate until it hibernates. */
  private hibernation: HibernationRequest | undefined = undefined;
  /**
   * Ends the effect when effection resumes the waiter; made when the wait is first entered and
   * let go when its fiber hibernates. A hibernating fiber's wait holds neither this closure nor
   * its request: ~130 bytes per idle connection.
   */
  private exit: ((exited: (result: Result<void>) => void) => void) | undefined = undefined;

  /** @param hibernateAfter - ms of waiting after which the fiber may hibernate; 0 = never */
  constructor(readonly hibernateAfter: number) {}

  /** The effect: wait in the task, counted as idle when the fiber may hibernate. */
  enter(resolve: (result: Result<unknown>) => void, routine: Coroutine): (exited: (result: Result<void>) => void) => void {
    this.settle = resolve;
    this.routine = routine;
    this.wokenIn = undefined;
    const fiber = routine.scope.get(FiberContext);
    // Only a wait in its carrier's scope (not in a scope nested inside it) is the body's own:
    // it alone can hibernate, or be resumed inline.
    if (fiber !== undefined && fiber.scope === routine.scope) {
      this.driver = fiber.driver;
      if (this.hibernateAfter > 0 && fiber.idleStarted(this)) this.fiber = fiber;
    }
    return (this.exit ??= (exited) => this.leave(exited));
  }

  /** Wait in the task for the wake-up (the fallback of a request that was not taken). */
  waitInTask(resolve: (result: Result<void>) => void, routine: Coroutine): (exited: (result: Result<void>) => void) => void {
    this.settle = resolve as (result: Result<unknown>) => void;
    this.routine = routine;
    this.wokenIn = undefined;
    this.hibernation = undefined;
    return (this.exit ??= (exited) => this.leave(exited));
  }

  /** The instruction the waiter yields when its wait resumed it to hibernate (see {@link isHibernation}). */
  get request(): HibernationRequest {
    return (this.hibernation ??= new HibernationRequest(this));
  }

  /**
   * The coroutine that runs the waiter now, after its wait was woken (on a new carrier, if it
   * hibernated): resuming it with an error throws where the waiter waits next. Handed over once.
   * @returns the coroutine, or undefined if the wait was not woken since the waiter took it
   */
  takeCoroutine(): Coroutine | undefined {
    const routine = this.wokenIn;
    this.wokenIn = undefined;
    return routine;
  }

  /** Whether a waiter waits here in its task (as effection sees it). */
  get entered(): boolean {
    return this.settle !== undefined;
  }

  /** Resume the waiter, in its task or out of hibernation; nothing if nobody waits. */
  wake(): void {
    if (this.settle !== undefined) {
      // Its body runs inline right now (see wakeInline): it is not waiting.
      if (this.driver?.runningInline) return;
      this.wokenIn = this.routine;
      this.resumeWaiter(undefined);
      return;
    }
    const sleeper = this.sleeper;
    if (sleeper === undefined) return;
    this.sleeper = undefined;
    sleeper.resumeFromHibernation("wake");
  }

  /**
   * Resume the waiter as {@link IdleWait.wake} does, but when it is a fiber's body waiting
   * straight on its carrier, run the body inline, on the caller's stack, up to its next
   * instruction; while that is this wait again, effection never sees the wake-up (see
   * {@link FiberDriver.runInline}). Call it only from plain code at the top of the stack (a
   * socket's event), never from inside an operation: the body runs as such code would.
   */
  wakeInline(): void {
    const driver = this.driver;
    if (driver !== undefined && this.settle !== undefined && !driver.runningInline) {
      this.wokenIn = this.routine;
      if (driver.runInline(this)) return;
    }
    this.wake();
  }

  /** @internal The fiber hibernating here woke on a carrier whose coroutine is `routine`. */
  wokeOn(routine: Coroutine): void {
    this.wokenIn = routine;
  }

  /** @internal The body ran inline and waits here again: its idle time starts anew. */
  renewIdle(): void {
    this.fiber?.home.idleStarted(this);
  }

  /** @internal The body ran inline past this wait: effection resumes its task, to go on. */
  release(): void {
    this.resumeWaiter(undefined);
  }

  /** @internal Ask the waiter's fiber to hibernate: its wait is resumed to yield the request. */
  hibernate(): void {
    this.resumeWaiter(HIBERNATE);
  }

  /** @internal `fiber` hibernated in this wait: the wake-up resumes it on a carrier. */
  hibernated(fiber: FiberRecord): void {
    this.sleeper = fiber;
    this.wokenIn = undefined;
    this.hibernation = undefined;
    this.exit = undefined;
  }

  /** @internal The hibernating fiber is being halted: a wake-up no longer resumes it. */
  abandon(): void {
    this.sleeper = undefined;
  }

  /** Resume the waiter waiting in its task with `value`; nothing if none waits there. */
  private resumeWaiter(value: typeof HIBERNATE | undefined): void {
    const settle = this.settle;
    if (settle === undefined) return;
    this.settle = undefined;
    this.routine = undefined;
    settle(Ok(value));
  }

  /** The effect ends: effection resumes the waiter (woken, or asked to hibernate) or is done with it. */
  private leave(exited: (result: Result<void>) => void): void {
    this.settle = undefined;
    this.routine = undefined;
    this.driver = undefined;
    this.leaveIdle();
    exited(Ok());
  }

  private leaveIdle(): void {
    const fiber = this.fiber;
    if (fiber === undefined) return;
    this.fiber = undefined;
    fiber.home.idleEnded(this);
  }
}

/**
 * Whether an idle wait was resumed to hibernate: the waiter must then yield the wait's
 * `request` (which resumes it when woken). (Checked by the waiter in its own frame: a helper
 * generator around the two yields would stay suspended, ~140 bytes, for as long as the fiber
 * hibernates.)
 * @param signal - what the wait resumed the waiter with
 * @returns true if the fiber is to hibernate
 * @example
 * ```ts
 * if (isHibernation(yield wait)) yield wait.request;
 * const routine = wait.takeCoroutine(); // the coroutine running the waiter now
 * ```
 */
export function isHibernation(signal: unknown): boolean {
  return signal === HIBERNATE;
}

/**
 * The coroutine running the current operation: an effect's `enter` is handed it. Resuming it
 * with an error throws that error where the operation waits. It comes back as this
 * generator's return value, not as the value its effect resumes it with, which would stay in
 * the registers of every frame above (see {@link IdleWait}); only the caller's frame sees it.
 * @returns the coroutine
 */
export function* currentCoroutine(): Operation<Coroutine> {
  let routine: Coroutine | undefined;
  yield {
    description: "the current coroutine",
    enter: (resolve: (result: Result<void>) => void, coroutine: Coroutine) => {
      routine = coroutine;
      resolve(Ok());
      return (exited: (result: Result<void>) => void) => exited(Ok());
    },
  };
  return routine as Coroutine; // set by the effect before it resumed this generator
}

/** Effection's contexts that every task sets on its own scope, and the fiber's own two. */
const TASK_CONTEXTS = new Set([
  "@effection/scope.generation",
  "@effection/scope.children",
  "@effection/coroutine.settle",
  "@effection/task-group",
  "@effection/error-boundary",
  "@fiberws/fiber",
]);

interface ContextSlots {
  readonly contexts: Record<string, unknown>;
}

interface ChildTasks {
  readonly tasks: ReadonlySet<unknown>;
}

/**
 * Whether ending the task that owns `scope` would lose nothing: no child scope or task (spawned
 * tasks, resources, `scoped()` blocks) and no context the fiber's code set itself. Effection
 * 4.1.1 keeps these in named contexts and in the scope's own `contexts` object; the hibernation
 * tests fail if that changes.
 * @param scope - the scope of a fiber's carrier
 * @returns true if the task can end while its body stays suspended
 */
export function taskHoldsNothing(scope: Scope): boolean {
  const children = (scope as unknown as ContextSlots).contexts["@effection/scope.children"] as ReadonlySet<unknown> | undefined;
  if (children === undefined || children.size > 0) return false;
  const group = (scope as unknown as ContextSlots).contexts["@effection/task-group"] as ChildTasks | undefined;
  if (group === undefined || group.tasks.size > 0) return false;
  for (const name of Object.keys((scope as unknown as ContextSlots).contexts)) {
    if (!TASK_CONTEXTS.has(name)) return false;
  }
  return true;
}

/** What a body threw in an inline run, handed to effection's next step. */
class Thrown {
  constructor(readonly error: unknown) {}
}

/**
 * A halt or an error that effection delivered while a body ran inline. It is also the
 * instruction the driver answers effection with: effection waits on it until the inline run
 * has ended, then the driver applies the interrupt where the body stopped.
 */
class DeferredInterrupt implements Effect<void> {
  readonly description = "the end of the fiber's inline run";
  private ended = false;
  private resume: ((result: Result<void>) => void) | undefined = undefined;

  constructor(
    public halt: boolean,
    readonly error: unknown,
  ) {}

  enter(resolve: (result: Result<void>) => void): (exited: (result: Result<void>) => void) => void {
    if (this.ended) resolve(Ok());
    else this.resume = resolve;
    return (exited) => {
      this.resume = undefined;
      exited(Ok());
    };
  }

  /** The inline run has ended: effection may go on. */
  runEnded(): void {
    this.ended = true;
    const resume = this.resume;
    this.resume = undefined;
    resume?.(Ok());
  }
}

/** How a driver continues its body when a carrier takes it up. */
export type Resumption = "start" | "wake" | "halt";

/**
 * Drives a fiber's body for every task the fiber runs in: it hands effection each step of the
 * body, except a hibernation request it may take, which ends the current task while the body
 * stays suspended. The next task resumes the body through the same driver.
 */
export class FiberDriver implements Iterator<Effect<unknown>, void, unknown> {
  private pending: Resumption = "start";
  /** The wait the body hibernates in, until a carrier takes it up again. */
  private sleptIn: IdleWait | undefined = undefined;
  /** The body is being returned (halted): it may not hibernate any more. */
  private unwinding = false;
  /** The body runs inline (see {@link FiberDriver.runInline}). */
  private inline = false;
  /** Where an inline run left the body (or what it threw), for effection's next step. */
  private handed: IteratorResult<Effect<unknown>, void> | Thrown | undefined = undefined;
  /** A halt or error that effection delivered during an inline run, applied after it. */
  private interrupt: DeferredInterrupt | undefined = undefined;

  /**
   * @param body - the fiber's body
   * @param fiber - asked whether it hibernates when the body yields a hibernation request
   */
  constructor(
    private readonly body: Iterator<Effect<unknown>, void, unknown>,
    private readonly fiber: { tryHibernate(wait: IdleWait): boolean },
  ) {}

  /** The driver is its own iterator: a task runs it with `yield*`. */
  [Symbol.iterator](): this {
    return this;
  }

  /**
   * Whether a hibernated body resumes at its wake-up or returns (halted); woken on a carrier
   * whose coroutine is `routine`, the wait it slept in hands that coroutine to the body.
   */
  prepare(resumption: Resumption, routine?: Coroutine): void {
    this.pending = resumption;
    if (routine !== undefined) this.sleptIn?.wokeOn(routine);
  }

  /** Whether the body was halted (returned from outside), in any of its tasks. */
  get halting(): boolean {
    return this.unwinding;
  }

  /** How the next task continues the body: from the start (or where it is), woken, or halted. */
  get resumption(): Resumption {
    return this.pending;
  }

  /**
   * The body's next step: resumed with `value`, or, first in a task that follows hibernation,
   * woken (its wait hands it the carrier's coroutine) or returned (halted).
   * @returns the body's next instruction, or done when it ended or hibernates
   */
  next(value?: unknown): IteratorResult<Effect<unknown>, void> {
    const handed = this.handed;
    if (handed !== undefined) {
      this.handed = undefined;
      if (handed instanceof Thrown) throw handed.error;
      return this.step(handed);
    }
    const interrupt = this.interrupt;
    if (interrupt !== undefined) {
      this.interrupt = undefined;
      return interrupt.halt ? this.return() : this.throw(interrupt.error);
    }
    const resumption = this.pending;
    if (resumption === "start") return this.step(this.body.next(value));
    this.pending = "start";
    this.sleptIn = undefined;
    if (resumption === "halt") return this.return();
    return this.step(this.body.next(undefined));
  }

  /**
   * Throw `error` into the body where it waits (an effect failed).
   * @returns the body's next instruction
   * @throws `error` when the body cannot take it
   */
  throw(error: unknown): IteratorResult<Effect<unknown>, void> {
    if (this.inline) return this.deferInterrupt(false, error);
    // An inline run's next instruction was never performed: the error lands where it waits.
    this.handed = undefined;
    if (this.body.throw === undefined) throw error;
    return this.step(this.body.throw(error));
  }

  /**
   * Return the body (its task is halted): its `finally` blocks run, and it never hibernates again.
   * @returns the body's next instruction (a cleanup step) or done
   */
  return(): IteratorResult<Effect<unknown>, void> {
    this.unwinding = true;
    if (this.inline) return this.deferInterrupt(true, undefined);
    this.handed = undefined;
    return this.body.return ? this.body.return() : { done: true, value: undefined };
  }

  /** Whether the body runs inline right now. */
  get runningInline(): boolean {
    return this.inline;
  }

  /**
   * Resume the body waiting in `wait` straight on its carrier, inline: on the caller's stack,
   * outside effection, up to its next instruction. If that is `wait` again, the carrier goes on
   * waiting as before and effection never sees the wake-up; anything else is handed to
   * effection, which resumes the carrier and takes it up as the body's next step. A halt or an
   * error that effection delivers meanwhile (the body halting its own fiber, say) waits until
   * the run ends and then applies where the body stopped.
   *
   * What this buys: a wake-up through effection (its reducer, then a `yield*` resume through
   * every frame from the task down to the body) took ~6 us of the ~15 us between a 64-byte
   * message's arrival and its echo (benchmark a).
   * @param wait - the wait the body is suspended in (its coroutine is ready to be taken)
   * @returns false if the body cannot run inline now (it is being halted, or already runs
   *   inline): wake it as usual
   */
  runInline(wait: IdleWait): boolean {
    if (this.unwinding || this.inline) return false;
    let outcome: IteratorResult<Effect<unknown>, void> | Thrown;
    this.inline = true;
    try {
      outcome = this.body.next(undefined);
    } catch (error) {
      outcome = new Thrown(error);
    } finally {
      this.inline = false;
    }
    const interrupt = this.interrupt;
    if (interrupt !== undefined) {
      interrupt.runEnded(); // effection goes on to apply it where the body stopped
    } else if (!(outcome instanceof Thrown) && !outcome.done && outcome.value === wait && wait.entered) {
      wait.renewIdle();
    } else {
      this.handed = outcome;
      wait.release();
    }
    return true;
  }

  /** Answer a halt or error delivered during an inline run: effection waits for the run's end. */
  private deferInterrupt(halt: boolean, error: unknown): IteratorResult<Effect<unknown>, void> {
    const interrupt = (this.interrupt ??= new DeferredInterrupt(halt, error));
    if (halt) interrupt.halt = true; // a halt outranks an error
    return { done: false, value: interrupt };
  }

  private step(result: IteratorResult<Effect<unknown>, void>): IteratorResult<Effect<unknown>, void> {
    if (!result.done && result.value instanceof HibernationRequest && !this.unwinding && this.fiber.tryHibernate(result.value.wait)) {
      this.sleptIn = result.value.wait;
      return { done: true, value: undefined };
    }
    return result;
  }
}
