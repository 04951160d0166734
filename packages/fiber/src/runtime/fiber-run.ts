// A fiber's run: its turn and slot, then its body, then its end, as one iterator for its driver.
import { action } from "effection";
import type { Effect, Operation } from "effection";
import type { FiberRecord } from "./fiber.js";
import { fiberPool } from "./limits.js";
import { DONE, Resumable, resumeIterator, type Resume } from "./resumable.js";

type Step = IteratorResult<Effect<unknown>, void>;

/** Lets a fiber spawned from plain code start only after that code returns (C's next turn). */
function nextTurn(): Operation<void> {
  return action<void>((resolve) => {
    queueMicrotask(resolve);
    return () => {};
  });
}

/** Wait for the fiber's turn (`deferred`) and its slot. @returns false if it expired waiting */
function* admit(fiber: FiberRecord, queueTimeout: number, deferred: boolean): Operation<boolean> {
  if (deferred) yield* nextTurn();
  return fiber.hasSlot || (yield* fiber.waitForSlot(queueTimeout));
}

/**
 * Runs a fiber's body with its bookkeeping, as the fiber's driver steps it: first the wait for
 * the fiber's turn and a slot (only when it has to wait), then the body, started once admitted;
 * when the body ends, however it ends (returned, threw, halted), the fiber ends with it, and a
 * body that threw fails the fiber (logged) instead of its carrier.
 *
 * A wrapper generator did this before. As an iterator of its own it keeps ~270 bytes less per
 * idle fiber (a suspended generator, its registers, and the function that started the body),
 * and each resumption of the body goes through one call instead of one more generator.
 */
export class FiberRun extends Resumable<void> {
  /** The wait for the turn and the slot, while it runs. */
  private admission: Iterator<Effect<unknown>, boolean, unknown> | undefined;
  /** Starts the body; let go once called. */
  private start: (() => Operation<unknown>) | undefined;
  /** The body, once started, until it ends. */
  private body: Iterator<Effect<unknown>, unknown, unknown> | undefined = undefined;

  /**
   * @param fiber - the fiber this is the run of
   * @param start - starts the fiber's body
   * @param queueTimeout - ms the fiber may wait for a slot (0 = forever)
   * @param deferred - wait for the next turn first (a fiber spawned from plain code)
   */
  constructor(
    private readonly fiber: FiberRecord,
    start: () => Operation<unknown>,
    queueTimeout: number,
    deferred: boolean,
  ) {
    super();
    this.start = start;
    this.admission = deferred || !fiber.hasSlot ? admit(fiber, queueTimeout, deferred)[Symbol.iterator]() : undefined;
  }

  /** Step the run: the wait for admission, then the body; the fiber ends when it is over. */
  protected resume(how: Resume, value: unknown): Step {
    // Over: as with a finished generator, nothing runs any more and an error comes back out.
    if (this.start === undefined && this.body === undefined && this.admission === undefined) {
      if (how === "throw") throw value;
      return DONE;
    }
    let step: Step | undefined;
    try {
      step = this.advance(how, value);
    } catch (error) {
      this.fiber.fail(error);
    }
    if (step !== undefined) return step;
    // The body is over, or never starts: the fiber ends, once, outside the try above (what
    // `end` reports to, such as an `onEnd` callback, does not fail the fiber).
    this.body = undefined;
    this.start = undefined;
    this.admission = undefined;
    this.fiber.end();
    return DONE;
  }

  /** @returns the run's next instruction, or undefined once the fiber is to end */
  private advance(how: Resume, value: unknown): Step | undefined {
    const admission = this.admission;
    if (admission !== undefined) {
      const waited = resumeIterator(admission, how, value);
      if (!waited.done) return waited;
      this.admission = undefined;
      if (how === "return") return undefined;
      if (waited.value !== true) {
        this.fiber.state = "expired";
        fiberPool.expired++;
        return undefined;
      }
      how = "next";
      value = undefined;
    }
    let body = this.body;
    if (body === undefined) {
      const start = this.start as () => Operation<unknown>; // not over: the body is yet to start
      this.start = undefined;
      // Halted (or failed) before its body started.
      if (how === "return") return undefined;
      if (how === "throw") throw value;
      this.fiber.begin();
      body = this.body = start()[Symbol.iterator]();
    }
    const step = resumeIterator(body, how, value);
    if (!step.done) return step as Step;
    // A halted body whose cleanup yielded ends here as if it had returned: the driver knows
    // it was halted.
    if (!this.fiber.driver?.halting && this.fiber.state === "running") this.fiber.state = "done";
    return undefined;
  }
}
