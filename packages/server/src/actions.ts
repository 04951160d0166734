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
 * Tell whether an action prefix covers a path. A prefix ending in `/` covers every path that
 * starts with it; any other prefix covers only whole segments: the path itself and what lies
 * below it (`/ws` covers `/ws` and `/ws/chat`, not `/wsx`).
 * @param prefix the registered prefix.
 * @param path the decoded request path (without its query).
 * @returns true when the prefix covers the path.
 * @example
 * prefixCovers("/ws", "/ws/chat"); // true
 * prefixCovers("/ws", "/wsx"); // false
 */
export function prefixCovers(prefix: string, path: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return prefix.endsWith("/") || path.length === prefix.length || path[prefix.length] === "/";
}

/**
 * Find the action for a path: of the registered prefixes that cover the path (see
 * {@link prefixCovers}), the longest wins.
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
    if (prefixCovers(prefix, path) && (found === undefined || prefix.length > found.prefix.length)) {
      found = { prefix, action };
    }
  }
  return found;
}
