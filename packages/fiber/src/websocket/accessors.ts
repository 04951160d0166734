// The seed's getters and setters of a connection (webSocketGet*, webSocketSet*).
import type { WebSocket } from "./connection.js";
import { keepAliveChanged } from "./timers.js";

/**
 * The data attached with {@link webSocketSetData}.
 * @param ws - the connection
 * @returns the attached data, or undefined
 */
export function webSocketGetData<T = unknown>(ws: WebSocket): T | undefined {
  return ws.data as T | undefined;
}

/**
 * Attach application data (per-connection state) to a connection.
 * @param ws - the connection
 * @param data - anything; replaces what was attached before
 */
export function webSocketSetData(ws: WebSocket, data: unknown): void {
  ws.data = data;
}

/**
 * The reason the peer gave in its close frame.
 * @param ws - the connection
 * @returns the reason, or "" before the close or when none was given
 */
export function webSocketGetCloseReason(ws: WebSocket): string {
  return ws.closeReason;
}

/**
 * The close code the peer sent (1005 when its close frame had none, 1006 when the connection
 * dropped without one).
 * @param ws - the connection
 * @returns the code, or 0 while the connection is not closed
 */
export function webSocketGetCloseStatus(ws: WebSocket): number {
  return ws.closeStatus;
}

/**
 * What went wrong, for WS_EVENT_ERROR: a protocol violation, a timeout, a keep-alive failure,
 * a callback's exception, or the socket's error.
 * @param ws - the connection
 * @returns the message, or "" when nothing went wrong
 */
export function webSocketGetErrorMessage(ws: WebSocket): string {
  return ws.errorMessage;
}

/**
 * The subprotocol agreed in the handshake (or chosen with {@link webSocketSelectProtocol}).
 * @param ws - the connection
 * @returns the subprotocol, or undefined when none
 */
export function webSocketGetProtocol(ws: WebSocket): string | undefined {
  return ws.subprotocol;
}

/**
 * The connection's state.
 * @param ws - the connection
 * @returns WS_STATE_OPEN, WS_STATE_CLOSING (a close was sent or received) or WS_STATE_CLOSED
 */
export function webSocketGetState(ws: WebSocket): number {
  return ws.state;
}

/**
 * The length of the message (or piece, in partial mode) last delivered.
 * @param ws - the connection
 * @returns the length in bytes
 */
export function webSocketGetMessageLength(ws: WebSocket): number {
  return ws.messageLength;
}

/**
 * Set the largest frame and message accepted from the peer; larger ones close with 1009
 * before they are buffered. Outgoing messages are split into frames of at most `maxFrame`.
 * @param ws - the connection
 * @param maxFrame - bytes per frame (Infinity = unlimited)
 * @param maxMessage - bytes per message (Infinity = unlimited)
 * @throws RangeError if a limit is not a positive number
 */
export function webSocketSetLimits(ws: WebSocket, maxFrame: number, maxMessage: number): void {
  if (!(maxFrame > 0) || !(maxMessage > 0)) {
    throw new RangeError(`webSocketSetLimits: limits must be positive (got ${maxFrame}, ${maxMessage})`);
  }
  ws.protocol.maxFrame = maxFrame;
  ws.protocol.maxMessage = maxMessage;
}

/**
 * Set the keep-alive: a ping after `ms` without input; no input within the ping timeout after
 * it closes the connection with 1011.
 * @param ws - the connection
 * @param ms - the ping period in ms; 0 turns keep-alive off
 * @throws RangeError if `ms` is negative or not a number
 */
export function webSocketSetPingPeriod(ws: WebSocket, ms: number): void {
  if (!(ms >= 0)) throw new RangeError(`webSocketSetPingPeriod: period must be 0 or more ms (got ${ms})`);
  ws.pingPeriod = ms;
  keepAliveChanged(ws);
}

/**
 * Turn UTF-8 validation of text messages on or off (on by default; invalid text closes 1007).
 * @param ws - the connection
 * @param validate - whether to validate
 */
export function webSocketSetValidateUTF(ws: WebSocket, validate: boolean): void {
  ws.protocol.validateUTF = validate;
}

/**
 * Turn partial delivery on or off: when on, each data frame is delivered as it arrives
 * (WS_EVENT_PARTIAL_MESSAGE, the last one WS_EVENT_MESSAGE) instead of whole messages.
 * @param ws - the connection
 * @param partial - whether to deliver frames as they arrive
 */
export function webSocketSetPartial(ws: WebSocket, partial: boolean): void {
  ws.protocol.partial = partial;
}

/**
 * Record the subprotocol this connection speaks (the one the server chose in the handshake).
 * @param ws - the connection
 * @param protocol - the subprotocol name, or undefined for none
 */
export function webSocketSelectProtocol(ws: WebSocket, protocol: string | undefined): void {
  ws.subprotocol = protocol;
}
