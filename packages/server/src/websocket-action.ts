// The ready-made action for the seed's pattern: run a WebSocketProc on every upgrade to a prefix.
import { webSocketRun, type WebSocketProc } from "@fiberws/fiber";
import type { WebAction } from "./actions.js";
import { webWriteResponse } from "./reply.js";

/**
 * An action that runs `callback` on each accepted upgrade with
 * `webSocketRun(web.webSocket, callback, arg, web.buf, web.timeout)`, and answers a plain HTTP
 * request with 426 Upgrade Required.
 * @param callback the seed-style event callback.
 * @param arg the value passed to every call of `callback`.
 * @returns the action to register with `webAddAction`.
 * @example
 * webAddAction(server, "/ws/", webSocketAction(onWebSocket));
 */
export function webSocketAction(callback: WebSocketProc, arg: unknown = null): WebAction {
  return function* (web) {
    if (web.kind === "http") {
      return yield* webWriteResponse(web, 426, "this address speaks WebSocket only\n", {
        Upgrade: "websocket",
        Connection: "Upgrade",
      });
    }
    yield* webSocketRun(web.webSocket, callback, arg, web.buf, web.timeout);
  };
}
