// One error line for a request or connection that failed.
import { rError } from "@fiberws/fiber";

/**
 * Log a failure once, with what failed and the error's stack (or message).
 * @param what the request or connection, for example `GET /api/x` or `ws /ws/ #3`.
 * @param error what was thrown.
 */
export function logFailure(what: string, error: unknown): void {
  rError("web", "%s failed: %s", what, error instanceof Error ? (error.stack ?? error.message) : String(error));
}
