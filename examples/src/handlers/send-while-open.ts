// Sends from a task beside webSocketRun (a timer, a broadcast), which must stop quietly once the client leaves.
import { webSocketGetState, webSocketSendJson, type WebSocket } from "@fiberws/fiber";
import { WS_STATE_OPEN } from "@fiberws/core";
import type { Operation } from "effection";

/**
 * Send a value as JSON while the connection is open. A send that the close interrupts (the
 * client left while it waited for the socket to drain) counts as not sent, not as a failure.
 * @param ws - the connection
 * @param value - the value to send
 * @returns true when sent; false when the connection is closing or closed
 * @throws Error from the send if it fails while the connection is still open; TypeError for a
 *   value with no JSON form
 * @example
 * ```ts
 * while (yield* sendJsonWhileOpen(ws, reading())) yield* sleep(1000);
 * ```
 */
export function* sendJsonWhileOpen(ws: WebSocket, value: unknown): Operation<boolean> {
  if (webSocketGetState(ws) !== WS_STATE_OPEN) return false;
  try {
    yield* webSocketSendJson(ws, value);
    return true;
  } catch (error) {
    if (webSocketGetState(ws) === WS_STATE_OPEN) throw error;
    return false;
  }
}
