// Take one message from a connection: the small step most handler tests are made of.
import type { Operation } from "effection";
import type { WebSocket, WebSocketMessage } from "../websocket/connection.js";
import { messages } from "../websocket/messages.js";

/**
 * Wait for the next message on `ws`.
 * @param ws - the connection (usually the client end of a loopback pair)
 * @returns the message
 * @throws Error if the connection closes first (the message says with which code)
 */
export function* nextMessage(ws: WebSocket): Operation<WebSocketMessage> {
  const subscription = yield* messages(ws);
  const next = yield* subscription.next();
  if (next.done) throw new Error(`the connection closed (${next.value.code} ${next.value.reason}) before a message arrived`);
  return next.value;
}
