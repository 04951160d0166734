/** WebSocket connections as fibers: run, send, close, keep-alive, client. */
export { WebSocket } from "./connection.js";
export { WebSocketClosedError } from "./closed-error.js";
export { useWebSocketConnection, createWebSocket, closeAndRelease } from "./lifecycle.js";
export type { WebSocketOptions, WebSocketMessage, WebSocketClosed, ConnectionEvent } from "./connection.js";
export { webSocketRun, runWebSocketConnection } from "./run.js";
export type { WebSocketProc } from "./run.js";
export {
  webSocketSend,
  webSocketSendString,
  webSocketSendJson,
  webSocketSendBlock,
  webSocketSendClose,
} from "./send.js";
export {
  webSocketGetData,
  webSocketSetData,
  webSocketGetCloseReason,
  webSocketGetCloseStatus,
  webSocketGetErrorMessage,
  webSocketGetProtocol,
  webSocketGetState,
  webSocketGetMessageLength,
  webSocketSetLimits,
  webSocketSetPingPeriod,
  webSocketSetValidateUTF,
  webSocketSetPartial,
  webSocketSelectProtocol,
} from "./accessors.js";
export { messages } from "./messages.js";
export { connectWebSocket, useWebSocket, urlWebSocket } from "./client.js";
export type { WebSocketClientOptions } from "./client.js";
export { SocketChannel, useSocket, DrainTimeoutError } from "./socket.js";
export type { SocketConsumer, SocketChannelOptions } from "./socket.js";
export { ClockContext, systemClock } from "./clock.js";
export type { Clock, TimerHandle } from "./clock.js";
