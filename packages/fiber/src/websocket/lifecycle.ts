// A connection's lifetime: create it, own it in a scope, and close and release it at the end.
import type { Socket } from "node:net";
import { resource, type Operation } from "effection";
import { WS_STATUS_GOING_AWAY } from "@fiberws/core";
import { ClockContext } from "./clock.js";
import { WebSocket, type WebSocketOptions } from "./connection.js";

/**
 * Close `ws` with `code` if it is still open, wait (up to its close timeout) for the peer's
 * close while discarding data, then release the socket and wait until it has closed.
 * @param ws - the connection
 * @param code - the close code to send
 * @param reason - the close reason
 */
export function* closeAndRelease(ws: WebSocket, code: number, reason: string): Operation<void> {
  ws.startReading(null);
  // A close from the peer is answered with its own code when the loop below reaches it.
  if (!ws.protocol.closeReceived) ws.startClose(code, reason);
  // Messages are discarded; errors and the close are applied by nextEvent.
  while (!ws.finished) {
    if (ws.nextEvent() === undefined && !ws.finished) yield* ws.waitForEvent();
  }
  yield* ws.channel.whenClosed();
}

/**
 * The body of a resource that owns a connection: provide `ws`, and once the user's scope ends,
 * however it ends, close it with `code` and `reason` (see {@link closeAndRelease}).
 * @param provide - the resource's `provide`
 * @param ws - the connection
 * @param code - the close code to send if it is still open
 * @param reason - the close reason
 */
export function* provideConnection(
  provide: (ws: WebSocket) => Operation<void>,
  ws: WebSocket,
  code: number,
  reason: string,
): Operation<void> {
  try {
    yield* provide(ws);
  } finally {
    yield* closeAndRelease(ws, code, reason);
  }
}

/**
 * Wrap an upgraded socket as a WebSocket owned by the current scope. When the scope ends,
 * however it ends, the connection is closed with 1001 "going away" if still open, the peer's
 * close is awaited for at most the close timeout, and the socket is destroyed.
 * @param socket - a socket on which the upgrade handshake has completed
 * @param options - role, subprotocol, limits and timeouts
 * @returns the connection, ready for `webSocketRun` or `messages`
 * @throws RangeError for invalid limits
 * @example
 * ```ts
 * const ws = yield* useWebSocketConnection(socket, { role: "server" });
 * yield* webSocketRun(ws, onWebSocket, null, head, 30_000);
 * ```
 */
export function useWebSocketConnection(socket: Socket, options: WebSocketOptions): Operation<WebSocket> {
  return resource(function* (provide) {
    yield* provideConnection(provide, yield* createWebSocket(socket, options), WS_STATUS_GOING_AWAY, "going away");
  });
}

/**
 * Make a connection object with the clock of the current scope; the caller must release it
 * (see {@link closeAndRelease}).
 * @param socket - the upgraded socket
 * @param options - role, limits and timeouts
 * @returns the connection
 */
export function* createWebSocket(socket: Socket, options: WebSocketOptions): Operation<WebSocket> {
  return new WebSocket(socket, options, yield* ClockContext.expect());
}
