// The seed's handler at /ws/: replies "echo: <message>" and logs each open, close and error.
import {
  rError,
  rInfo,
  webSocketGetCloseReason,
  webSocketGetErrorMessage,
  webSocketSend,
  type WebSocketProc,
} from "@fiberws/fiber";
import { WS_EVENT_CLOSE, WS_EVENT_ERROR, WS_EVENT_MESSAGE, WS_EVENT_OPEN } from "@fiberws/core";
import { webSocketAction, type WebAction } from "@fiberws/server";

/**
 * The seed's `onWebSocket`, line for line: each message is answered with `echo: <message>`.
 * @param ws - the connection
 * @param event - a `WS_EVENT_*` code
 * @param buf - the message (text as a string, binary as a Buffer), or null for other events
 */
export const onWebSocket: WebSocketProc = function* (ws, event, buf) {
  switch (event) {
    case WS_EVENT_OPEN:
      rInfo("ws", "Client connected");
      break;
    case WS_EVENT_MESSAGE:
      yield* webSocketSend(ws, "echo: %s", buf);
      break;
    case WS_EVENT_CLOSE:
      rInfo("ws", "Client disconnected: %s", webSocketGetCloseReason(ws));
      break;
    case WS_EVENT_ERROR:
      rError("ws", "Error: %s", webSocketGetErrorMessage(ws));
      break;
  }
};

/**
 * The action for `/ws/`: runs {@link onWebSocket} on each upgrade until the connection closes,
 * and answers a plain HTTP request with 426 Upgrade Required.
 * @example
 * ```ts
 * webAddAction(server, "/ws/", wsAction);
 * ```
 */
export const wsAction: WebAction = webSocketAction(onWebSocket);
