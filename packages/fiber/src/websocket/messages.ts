// A connection's incoming messages as an effection Stream, for code that prefers `each` to callbacks.
import type { Operation, Stream } from "effection";
import type { WebSocket, WebSocketClosed, WebSocketMessage } from "./connection.js";

function* nextMessage(ws: WebSocket): Operation<IteratorResult<WebSocketMessage, WebSocketClosed>> {
  for (;;) {
    const event = ws.nextEvent();
    if (event?.kind === "message") return { done: false, value: event };
    if (event !== undefined) continue; // a protocol error: recorded, its close sent
    if (ws.finished) {
      yield* ws.channel.whenClosed();
      return { done: true, value: ws.closed };
    }
    yield* ws.waitForEvent();
  }
}

/**
 * The connection's incoming messages, in order, as a Stream that ends with the close code and
 * reason when the connection closes. Pings are answered and close frames echoed as they
 * arrive; errors close the connection (see `webSocketGetErrorMessage`). One consumer at a
 * time: use either this or `webSocketRun` on a connection.
 * @param ws - the connection
 * @returns a stream of messages: `type` (WS_MSG_TEXT with a string, WS_MSG_BINARY with a
 *   Buffer), `data`, `length`, and `last` (false for pieces in partial mode)
 * @example
 * ```ts
 * for (const msg of yield* each(messages(ws))) {
 *   yield* webSocketSendString(ws, `echo: ${msg.data}`);
 *   yield* each.next();
 * }
 * ```
 */
export function messages(ws: WebSocket): Stream<WebSocketMessage, WebSocketClosed> {
  return {
    *[Symbol.iterator]() {
      ws.startReading(null);
      return { next: () => nextMessage(ws) };
    },
  };
}
