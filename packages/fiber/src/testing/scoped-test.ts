// Run an effection operation as a vitest test, its scope torn down when the test ends.
import { run, type Operation } from "effection";

/**
 * Turn an operation into a test function. The operation runs in its own scope; when it
 * returns or throws, everything it started (tasks, resources, sockets, servers, timers) is
 * shut down before the test finishes, and a failure in any of them fails the test.
 * @param operation - the test body
 * @returns a function for vitest's `it` / `test`
 * @example
 * ```ts
 * it("echoes a message", scopedTest(function* () {
 *   const { server, client } = yield* useLoopbackPair();
 *   ...
 * }));
 * ```
 */
export function scopedTest(operation: () => Operation<void>): () => Promise<void> {
  return () => run(operation);
}
