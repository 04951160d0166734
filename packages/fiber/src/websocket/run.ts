// webSocketRun: deliver a connection's events to a callback, in order, one at a time, until closed.
import type { Operation } from "effection";
import { WS_STATUS_GOING_AWAY } from "@fiberws/core";
import type { Socket } from "node:net";
import type { WebSocket, WebSocketOptions } from "./connection.js";
import { closeAndRelease, createWebSocket } from "./lifecycle.js";
import { RunLoop } from "./run-loop.js";

/**
 * The callback of {@link webSocketRun}: a plain function, or a generator function whose
 * operation completes before the next event is delivered.
 * @param ws - the connection
 * @param event - WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_PARTIAL_MESSAGE, WS_EVENT_ERROR or WS_EVENT_CLOSE
 * @param buf - the message (a string for text, a Buffer for binary), or null
 * @param len - the message's length in bytes, or 0
 * @param arg - the `arg` given to webSocketRun
 */
export type WebSocketProc = (
  ws: WebSocket,
  event: number,
  buf: string | Buffer | null,
  len: number,
  arg: unknown,
) => Operation<void> | void;

/**
 * Run a connection: fire WS_EVENT_OPEN, process `buf` (bytes read with the upgrade) before any
 * other input, then deliver every event to `callback` in order, one at a time, until the
 * connection is closed; WS_EVENT_CLOSE comes last, exactly once. Pings are answered at once by
 * the reader, even while a callback runs. The peer's close is answered when the dispatcher
 * reaches it, after the messages that came before it: replies to them still go out, first.
 *
 * - `timeout` is an inactivity timeout, reset by input. On expiry while idle the connection is
 *   closed with 1001, WS_EVENT_ERROR fires (`webSocketGetErrorMessage` says it timed out), then
 *   WS_EVENT_CLOSE. On expiry while a callback is still running (a hung handler), it is closed
 *   with 1011 ("handler did not finish within the inactivity timeout"), a WebSocketClosedError
 *   is thrown into the callback where it waits, then WS_EVENT_ERROR and WS_EVENT_CLOSE fire.
 * - Halting the task that runs this (its scope ending, a lost race, shutdown) closes with 1001
 *   "going away", fires WS_EVENT_CLOSE, waits for the peer's close (at most the close timeout)
 *   and releases the socket.
 * - An exception thrown by the callback closes with 1011, fires WS_EVENT_CLOSE and propagates;
 *   except a WebSocketClosedError when the peer or a failure (not `webSocketSendClose`) closed
 *   the connection: that one is logged at debug level and the run goes on to its usual end.
 *
 * @param ws - the connection
 * @param callback - receives the events
 * @param arg - passed to every callback
 * @param buf - bytes read with the upgrade, processed first, or null
 * @param timeout - inactivity timeout in ms; 0 = none
 * @returns 0 after an orderly close (the peer's code 1000, or no code), else the negative close
 *   code: the code of a failure detected here (timeout 1001, protocol error 1002/1007/1009,
 *   keep-alive, hung handler or abandoned stream 1011, send timeout 1008) or the peer's code
 *   (1006 when TCP dropped without one)
 * @throws whatever the callback throws (after closing with 1011), but not a WebSocketClosedError
 *   from a connection the peer or a failure closed; Error if the connection is already being
 *   read and `buf` holds bytes
 * @example
 * ```ts
 * const onWebSocket: WebSocketProc = function* (ws, event, buf) {
 *   if (event === WS_EVENT_MESSAGE) yield* webSocketSend(ws, "echo: %s", buf);
 * };
 * const status = yield* webSocketRun(ws, onWebSocket, null, head, 30_000);
 * ```
 */
export function webSocketRun(
  ws: WebSocket,
  callback: WebSocketProc,
  arg: unknown,
  buf: Buffer | null,
  timeout: number,
): Operation<number> {
  return new RunLoop(ws, callback, arg, buf, timeout);
}

/**
 * Wrap an upgraded socket and run it with `callback` until it closes: `useWebSocketConnection`
 * and `webSocketRun` in one step, with no resource task of its own. This is the lean way for a
 * server to run each connection as one fiber; the socket is released when it returns, throws
 * or is halted.
 * @param socket - a socket on which the upgrade handshake has completed
 * @param options - role, subprotocol, limits and timeouts
 * @param callback - receives the events
 * @param arg - passed to every callback
 * @param buf - bytes read with the upgrade, processed first, or null
 * @param timeout - inactivity timeout in ms; 0 = none
 * @returns what {@link webSocketRun} returns
 * @throws what {@link webSocketRun} throws; RangeError for invalid limits
 * @example
 * ```ts
 * server.on("upgrade", (req, socket, head) => scope.run(() =>
 *   runWebSocketConnection(socket, { role: "server" }, onWebSocket, null, head, 30_000)));
 * ```
 */
export function* runWebSocketConnection(
  socket: Socket,
  options: WebSocketOptions,
  callback: WebSocketProc,
  arg: unknown,
  buf: Buffer | null,
  timeout: number,
): Operation<number> {
  const ws = yield* createWebSocket(socket, options);
  try {
    return yield* webSocketRun(ws, callback, arg, buf, timeout);
  } finally {
    if (!ws.finished) yield* closeAndRelease(ws, WS_STATUS_GOING_AWAY, "going away");
  }
}
