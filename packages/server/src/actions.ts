// The action table: operations registered for path prefixes, looked up by the longest prefix.
import type { Operation } from "effection";
import type { Web } from "./web.js";

/**
 * An action: the operation that answers a request to an `action` route. It gets the request
 * as a {@link Web}: a plain HTTP request with its response, or an accepted WebSocket upgrade
 * with the live connection. It runs as a fiber in its own error boundary: if it throws, only
 * its own request or connection fails.
 */
export type WebAction = (web: Web) => Operation<void>;

/** Actions by path prefix. */
export type ActionTable = Map<string, WebAction>;

/**
 * Find the action for a path: of the registered prefixes the path starts with, the longest wins.
 * Prefixes compare as plain strings (`/ws` also covers `/wsx`; register `/ws/` to mean a folder).
 * @param actions the table.
 * @param path the decoded request path.
 * @returns the prefix and its action, or undefined when no prefix fits (the caller answers 404).
 */
export function findAction(
  actions: ActionTable,
  path: string,
): { prefix: string; action: WebAction } | undefined {
  let found: { prefix: string; action: WebAction } | undefined;
  for (const [prefix, action] of actions) {
    if (path.startsWith(prefix) && (found === undefined || prefix.length > found.prefix.length)) {
      found = { prefix, action };
    }
  }
  return found;
}
