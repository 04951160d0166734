// Calling user procedures: a generator function's operation is run, a plain function is called.
import type { Operation } from "effection";

/** A fiber body in the C style: a generator function (it may yield) or a plain function. */
export type FiberProc<T = unknown> = (arg: T) => Operation<unknown> | void;

function isOperation(value: unknown): value is Operation<unknown> {
  return typeof value === "object" && value !== null && Symbol.iterator in value;
}

/**
 * Call `fn(...args)` and, when it returns an operation (a generator function was given), run it.
 * @param fn - a generator function or a plain function
 * @param args - the arguments for `fn`
 * @returns an operation that completes when `fn` has
 * @throws whatever `fn` throws
 */
export function* callProc<A extends unknown[]>(
  fn: (...args: A) => Operation<unknown> | void,
  ...args: A
): Operation<void> {
  const result = fn(...args);
  if (isOperation(result)) yield* result;
}
