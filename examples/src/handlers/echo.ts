// The exact echo at /echo/: text back as text, binary as binary, for conformance suites and benchmarks.
import { webSocketRun, webSocketSendBlock, webSocketSetLimits, type WebSocketProc } from "@fiberws/fiber";
import { WS_EVENT_MESSAGE, WS_MSG_BINARY, WS_MSG_TEXT } from "@fiberws/core";
import type { Web } from "@fiberws/server";
import type { Operation } from "effection";
import { requireWebSocket } from "./upgrade.js";

/** The largest frame and message the echo accepts: 16 MiB, what conformance suites send. */
export const ECHO_LIMIT = 16 * 1024 * 1024;

/**
 * Send every message back unchanged, in the type it came in. Fragmented messages arrive
 * reassembled, so each goes back whole. Nothing else: no logging, no state.
 * @param ws - the connection
 * @param event - a `WS_EVENT_*` code
 * @param buf - the message: a string for text, a Buffer for binary
 */
export const onEcho: WebSocketProc = function* (ws, event, buf) {
  if (event === WS_EVENT_MESSAGE && buf !== null) {
    yield* webSocketSendBlock(ws, typeof buf === "string" ? WS_MSG_TEXT : WS_MSG_BINARY, buf);
  }
};

/**
 * The action for `/echo/`: raises the connection's limits to {@link ECHO_LIMIT} and echoes
 * until the connection closes.
 * @param web - the request; it must be a WebSocket upgrade
 * @throws HttpError 426 for a plain HTTP request
 * @example
 * ```ts
 * webAddAction(server, "/echo/", echoAction);
 * ```
 */
export function* echoAction(web: Web): Operation<void> {
  const { webSocket, buf, timeout } = requireWebSocket(web);
  webSocketSetLimits(webSocket, ECHO_LIMIT, ECHO_LIMIT);
  yield* webSocketRun(webSocket, onEcho, null, buf, timeout);
}
