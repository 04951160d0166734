// The echo the reliability tests run against: every message back unchanged, in its own type.
import { WS_EVENT_MESSAGE, WS_MSG_BINARY, WS_MSG_TEXT } from "@fiberws/core";
import { webSocketSendBlock, type WebSocketProc } from "@fiberws/fiber";
import { webAddAction, webSocketAction, type WebServer } from "@fiberws/server";

/** The path prefix the echo answers on. */
export const ECHO_PREFIX = "/echo/";

/**
 * Send each message back as it came: text as text, binary as binary, whole.
 * @param ws the connection.
 * @param event the `WS_EVENT_*` code.
 * @param buf the message.
 */
export const onEcho: WebSocketProc = function* (ws, event, buf) {
  if (event === WS_EVENT_MESSAGE && buf !== null) {
    yield* webSocketSendBlock(ws, typeof buf === "string" ? WS_MSG_TEXT : WS_MSG_BINARY, buf);
  }
};

/**
 * Register the echo on {@link ECHO_PREFIX}.
 * @param server a server not yet serving.
 * @throws Error if the server already serves or the prefix is taken.
 */
export function addEcho(server: WebServer): void {
  webAddAction(server, ECHO_PREFIX, webSocketAction(onEcho));
}
