// Yield and resume: fibers hand values to each other as C fibers do, as a two-way rendezvous.
import { Err, Ok } from "effection";
import type { Effect, Operation } from "effection";
import { fiberOfScope, FiberRecord } from "./fiber.js";
import type { Fiber } from "./fiber.js";

/**
 * One fiber's hand-off bookkeeping. A resume wakes the fiber's current yield (or, given before
 * the fiber yields, is kept for its next one); each resumer then receives the value passed at
 * the first yield the fiber makes after that resume.
 */
export class Handoff {
  /** Wakes the fiber parked in `yieldFiber`, if it is parked. */
  parked: ((value: unknown) => void) | undefined;
  /** Values resumed before the fiber yielded, consumed by its next yields in order. */
  readonly pending: unknown[] = [];
  /** Resumers waiting for the fiber's next yield, in order. */
  readonly replies: ((value: unknown) => void)[] = [];

  /** The fiber ended: every waiting resumer receives undefined. */
  end(): void {
    this.pending.length = 0;
    for (const reply of this.replies.splice(0)) reply(undefined);
  }
}

const ended = new Set(["done", "failed", "halted", "expired"]);

/**
 * Suspend the calling fiber until another resumes it, handing `value` to that resumer (or to
 * the one already waiting). If a resume arrived before this yield, it returns at once.
 * The C name is {@link rYieldFiber}.
 * @param value - what the resumer receives
 * @returns the value the resumer passed
 * @throws Error when called outside every fiber
 * @example
 * ```ts
 * const reply = yield* yieldFiber("ready"); // the resumer receives "ready"
 * ```
 */
export function* yieldFiber(value?: unknown): Operation<unknown> {
  // One effect does it all: the fiber is read from the coroutine's scope, not a separate lookup.
  const effect: Effect<unknown> = {
    description: "yieldFiber",
    enter(resolve, routine) {
      const fiber = fiberOfScope(routine.scope);
      if (!fiber) {
        resolve(Err(new Error("yieldFiber: not called from inside a fiber")));
        return (exited) => exited(Ok());
      }
      const handoff = (fiber.handoff ??= new Handoff());
      handoff.replies.shift()?.(value);
      if (handoff.pending.length > 0) {
        resolve(Ok(handoff.pending.shift()));
        return (exited) => exited(Ok());
      }
      const wake = (resumed: unknown) => resolve(Ok(resumed));
      handoff.parked = wake;
      return (exited) => {
        if (handoff.parked === wake) handoff.parked = undefined;
        exited(Ok());
      };
    },
  };
  return yield effect;
}

/**
 * Resume `fiber` with `value`, then wait for the value it passes at its next yield. Resuming a
 * fiber that is not parked (it runs, sleeps, or has not started) is kept for its next yield,
 * which then returns at once. The C name is {@link rResumeFiber}.
 * @param fiber - a fiber returned by `spawnFiber`/`rSpawnFiber` or `rGetFiber`
 * @param value - what the fiber's yield returns
 * @returns the value of the fiber's next yield; undefined if it ends first (or had ended)
 * @throws Error if a fiber tries to resume itself
 * @throws TypeError if `fiber` was not made by this runtime
 * @example
 * ```ts
 * const next = yield* resumeFiber(producer, "more");
 * ```
 */
export function* resumeFiber(fiber: Fiber, value?: unknown): Operation<unknown> {
  if (!(fiber instanceof FiberRecord)) throw new TypeError("resumeFiber: not a fiber of this runtime");
  if (ended.has(fiber.state)) return undefined;
  const handoff = (fiber.handoff ??= new Handoff());
  const effect: Effect<unknown> = {
    description: "resumeFiber",
    enter(resolve, routine) {
      if (fiberOfScope(routine.scope) === fiber) {
        resolve(Err(new Error("resumeFiber: a fiber cannot resume itself")));
        return (exited) => exited(Ok());
      }
      const reply = (answer: unknown) => resolve(Ok(answer));
      handoff.replies.push(reply);
      const parked = handoff.parked;
      if (parked) {
        handoff.parked = undefined;
        parked(value);
      } else {
        handoff.pending.push(value);
      }
      return (exited) => {
        const index = handoff.replies.indexOf(reply);
        if (index >= 0) handoff.replies.splice(index, 1);
        exited(Ok());
      };
    },
  };
  return yield effect;
}

/**
 * C name of {@link yieldFiber}: `void *rYieldFiber(void *value)`.
 * @param value - what the resumer receives
 * @returns the value the resumer passed
 * @throws Error when called outside every fiber
 */
export const rYieldFiber: (value?: unknown) => Operation<unknown> = yieldFiber;

/**
 * C name of {@link resumeFiber}: `void *rResumeFiber(RFiber *fiber, void *value)`.
 * @param fiber - the fiber to resume
 * @param value - what the fiber's yield returns
 * @returns the value of the fiber's next yield; undefined if it ends first
 * @throws Error if a fiber tries to resume itself
 */
export const rResumeFiber: (fiber: Fiber, value?: unknown) => Operation<unknown> = resumeFiber;
