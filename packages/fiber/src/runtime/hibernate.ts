// Hibernation: a fiber idle in a wait gives its carrier (an effection task) back, and resumes on one when woken.
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
class HibernationRequest implements Effect<Coroutine> {
  readonly description = "hibernate until woken";

  constructor(readonly wait: IdleWait) {}

  enter(resolve: (result: Result<Coroutine>) => void, routine: Coroutine): (exited: (result: Result<void>) => void) => void {
    return this.wait.waitInTask(resolve, routine);
  }
}

/**
 * A reusable wait for "something happened" (input, a timer) that lets the waiting fiber
 * hibernate once it has waited `hibernateAfter` ms. Wake it with {@link IdleWait.wake}; wait on
 * it as {@link isHibernation} shows. One per waiter (a connection has one), entered at every
 * wait; it resumes the waiter with its coroutine.
 */
export class IdleWait implements Effect<unknown> {
  readonly description = "an idle wait";
  /** The fiber registered as idle with its home, while it waits in its task. */
  fiber: FiberRecord | undefined = undefined;
  /** Resumes the waiter while it waits in its task. */
  private settle: ((result: Result<unknown>) => void) | undefined = undefined;
  /** The coroutine waiting in its task, handed back by the wake-up. */
  private routine: Coroutine | undefined = undefined;
  /** The fiber hibernating in this wait, resumed by the wake-up. */
  private sleeper: FiberRecord | undefined = undefined;
  /** The instruction that hibernates the waiter. */
  readonly request = new HibernationRequest(this);
  private readonly exit = (exited: (result: Result<void>) => void): void => {
    this.settle = undefined;
    this.routine = undefined;
    this.leaveIdle();
    exited(Ok());
  };

  /** @param hibernateAfter - ms of waiting after which the fiber may hibernate; 0 = never */
  constructor(readonly hibernateAfter: number) {}

  /** The effect: wait in the task, counted as idle when the fiber may hibernate. */
  enter(resolve: (result: Result<unknown>) => void, routine: Coroutine): (exited: (result: Result<void>) => void) => void {
    this.settle = resolve;
    this.routine = routine;
    if (this.hibernateAfter > 0) {
      const fiber = routine.scope.get(FiberContext);
      // Only a wait in its carrier's scope (not in a scope nested inside it) can hibernate.
      if (fiber !== undefined && fiber.scope === routine.scope && fiber.idleStarted(this)) this.fiber = fiber;
    }
    return this.exit;
  }

  /** Wait in the task for the wake-up (the fallback of a request that was not taken). */
  waitInTask(resolve: (result: Result<Coroutine>) => void, routine: Coroutine): (exited: (result: Result<void>) => void) => void {
    this.settle = resolve as (result: Result<unknown>) => void;
    this.routine = routine;
    return this.exit;
  }

  /** Resume the waiter, in its task or out of hibernation; nothing if nobody waits. */
  wake(): void {
    const settle = this.settle;
    if (settle !== undefined) {
      const routine = this.routine;
      this.settle = undefined;
      this.routine = undefined;
      settle(Ok(routine));
      return;
    }
    const sleeper = this.sleeper;
    if (sleeper === undefined) return;
    this.sleeper = undefined;
    sleeper.resumeFromHibernation("wake");
  }

  /** @internal Ask the waiter's fiber to hibernate: its wait is resumed to yield the request. */
  hibernate(): void {
    const settle = this.settle;
    if (settle === undefined) return;
    this.settle = undefined;
    this.routine = undefined;
    settle(Ok(HIBERNATE));
  }

  /** @internal `fiber` hibernated in this wait: the wake-up resumes it on a carrier. */
  hibernated(fiber: FiberRecord): void {
    this.sleeper = fiber;
  }

  /** @internal The hibernating fiber is being halted: a wake-up no longer resumes it. */
  abandon(): void {
    this.sleeper = undefined;
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
 * `request` (which resumes it with its coroutine when woken), else the value is the coroutine
 * that runs it. (Checked by the waiter in its own frame: a helper generator around the two
 * yields would stay suspended, ~140 bytes, for as long as the fiber hibernates.)
 * @param signal - what the wait resumed the waiter with
 * @returns true if the fiber is to hibernate
 * @example
 * ```ts
 * let signal = yield wait;
 * if (isHibernation(signal)) signal = yield wait.request;
 * const routine = signal as Coroutine; // the coroutine running the waiter now
 * ```
 */
export function isHibernation(signal: unknown): boolean {
  return signal === HIBERNATE;
}

/**
 * The coroutine running the current operation: an effect's `enter` is handed it. Resuming it
 * with an error throws that error where the operation waits.
 * @returns the coroutine
 */
export function* currentCoroutine(): Operation<Coroutine> {
  const routine: unknown = yield {
    description: "the current coroutine",
    enter: (resolve: (result: Result<Coroutine>) => void, coroutine: Coroutine) => {
      resolve(Ok(coroutine));
      return (exited: (result: Result<void>) => void) => exited(Ok());
    },
  };
  return routine as Coroutine;
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

/** How a driver continues its body when a carrier takes it up. */
export type Resumption = "start" | "wake" | "halt";

/**
 * Drives a fiber's body for every task the fiber runs in: it hands effection each step of the
 * body, except a hibernation request it may take, which ends the current task while the body
 * stays suspended. The next task resumes the body through the same driver.
 */
export class FiberDriver implements Iterator<Effect<unknown>, void, unknown> {
  private pending: Resumption = "start";
  private wokenBy: Coroutine | undefined = undefined;
  /** The body is being returned (halted): it may not hibernate any more. */
  private unwinding = false;

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

  /** Whether a hibernated body resumes at its wake-up or returns (halted). */
  prepare(resumption: Resumption, routine?: Coroutine): void {
    this.pending = resumption;
    this.wokenBy = routine;
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
   * woken (with the carrier's coroutine) or returned (halted).
   * @returns the body's next instruction, or done when it ended or hibernates
   */
  next(value?: unknown): IteratorResult<Effect<unknown>, void> {
    const resumption = this.pending;
    if (resumption === "start") return this.step(this.body.next(value));
    this.pending = "start";
    if (resumption === "halt") return this.return();
    const routine = this.wokenBy;
    this.wokenBy = undefined;
    return this.step(this.body.next(routine));
  }

  /**
   * Throw `error` into the body where it waits (an effect failed).
   * @returns the body's next instruction
   * @throws `error` when the body cannot take it
   */
  throw(error: unknown): IteratorResult<Effect<unknown>, void> {
    if (this.body.throw === undefined) throw error;
    return this.step(this.body.throw(error));
  }

  /**
   * Return the body (its task is halted): its `finally` blocks run, and it never hibernates again.
   * @returns the body's next instruction (a cleanup step) or done
   */
  return(): IteratorResult<Effect<unknown>, void> {
    this.unwinding = true;
    return this.body.return ? this.body.return() : { done: true, value: undefined };
  }

  private step(result: IteratorResult<Effect<unknown>, void>): IteratorResult<Effect<unknown>, void> {
    if (!result.done && result.value instanceof HibernationRequest && !this.unwinding && this.fiber.tryHibernate(result.value.wait)) {
      return { done: true, value: undefined };
    }
    return result;
  }
}
