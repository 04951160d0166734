// Refuses plain HTTP requests to the WebSocket-only example actions with 426 Upgrade Required.
import { HttpError, type Web, type WebSocketWeb } from "@fiberws/server";

/**
 * Narrow a request to an accepted WebSocket upgrade.
 * @param web - the request an action received
 * @returns the same request, as an upgrade with its live connection
 * @throws HttpError 426 (with `Upgrade: websocket`) when it is a plain HTTP request; the server
 *   answers it with that status
 * @example
 * ```ts
 * const { webSocket, buf, timeout } = requireWebSocket(web);
 * ```
 */
export function requireWebSocket(web: Web): WebSocketWeb {
  if (web.kind !== "websocket") {
    throw new HttpError(426, "this address speaks WebSocket only\n", { Upgrade: "websocket", Connection: "Upgrade" });
  }
  return web;
}
