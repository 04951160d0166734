// The error a send (or a wait to send) throws once nothing more can be sent on a connection.

/**
 * Thrown by a send (and by a wait on a stream lock or a drain) when nothing more can be sent on
 * the connection: a close frame went out, the connection is closed, or TCP was lost. When the
 * connection was closed by the peer or by a failure (a timeout, a protocol error, a lost
 * connection) rather than by the application's own `webSocketSendClose`, `webSocketRun` treats
 * this error escaping a callback as the end of the conversation, not as a handler bug: it logs
 * it at debug level and ends normally, without closing with 1011 or rethrowing.
 * @example
 * ```ts
 * try {
 *   yield* webSocketSendString(ws, "late");
 * } catch (error) {
 *   if (!(error instanceof WebSocketClosedError)) throw error;
 * }
 * ```
 */
export class WebSocketClosedError extends Error {
  override name = "WebSocketClosedError";
}
