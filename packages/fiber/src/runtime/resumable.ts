// Operations written as iterators instead of generators, for those that stay suspended for long.
import type { Effect, Operation } from "effection";

/** How an operation's iterator is resumed: with a value, with an error, or halted. */
export type Resume = "next" | "throw" | "return";

/** The step of an operation that is over with no value: a finished generator's, or a halted one's. */
export const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Resume `iterator` as `how` says, as a generator's `yield*` resumes the operation it delegates to.
 * @param iterator - the operation's iterator
 * @param how - `next` with `value`, `throw` `value` where it waits, or `return` (halt) it
 * @param value - the value or the error
 * @returns the iterator's next step; a halted iterator without a `return` method is done
 * @throws `value` when thrown into an iterator without a `throw` method; whatever the iterator throws
 * @example
 * const step = resumeIterator(body, "throw", new Error("timed out"));
 */
export function resumeIterator<T, R>(iterator: Iterator<T, R, unknown>, how: Resume, value: unknown): IteratorResult<T, R | undefined> {
  if (how === "next") return iterator.next(value);
  if (how === "throw") {
    if (iterator.throw === undefined) throw value;
    return iterator.throw(value);
  }
  return iterator.return?.() ?? DONE;
}

/**
 * An operation that is its own iterator, stepped through one method, {@link Resumable.resume}:
 * `next`, `throw` and `return` (a halt) all come through it. Where an operation stays suspended
 * for a connection's whole life, a generator keeps its frame and every one of its registers
 * (~300 bytes for `webSocketRun`'s loop); an object of this kind keeps its fields alone.
 * @example
 * class Once extends Resumable<void> {
 *   protected resume(how: Resume, value: unknown) {
 *     if (how === "throw") throw value;
 *     return { done: true, value: undefined };
 *   }
 * }
 */
export abstract class Resumable<R> implements Operation<R>, Iterator<Effect<unknown>, R, unknown> {
  [Symbol.iterator](): Iterator<Effect<unknown>, R, unknown> {
    return this;
  }

  /** Resume with `value`. @returns the next instruction, or done with the result */
  next(value?: unknown): IteratorResult<Effect<unknown>, R> {
    return this.resume("next", value);
  }

  /** Throw `error` where the operation waits. @returns the next instruction; throws what the operation ends with */
  throw(error?: unknown): IteratorResult<Effect<unknown>, R> {
    return this.resume("throw", error);
  }

  /** Halt: the operation's cleanup runs. @returns a cleanup step, or done */
  return(): IteratorResult<Effect<unknown>, R> {
    return this.resume("return", undefined);
  }

  /**
   * Take one resumption.
   * @param how - `next`, `throw` or `return` (halt)
   * @param value - what it resumes with: the value, or the error
   * @returns the next instruction, or done
   */
  protected abstract resume(how: Resume, value: unknown): IteratorResult<Effect<unknown>, R>;
}
