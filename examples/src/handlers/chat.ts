// The chat room at /chat/ (subprotocol 'chat'): a name per connection, lines broadcast to the others.
import { randomUUID } from "node:crypto";
import {
  rInfo,
  webSocketGetData,
  webSocketGetProtocol,
  webSocketGetState,
  webSocketRun,
  webSocketSendClose,
  webSocketSendJson,
  webSocketSetData,
  webSocketSetLimits,
  type WebSocket,
  type WebSocketProc,
} from "@fiberws/fiber";
import { WS_EVENT_CLOSE, WS_EVENT_MESSAGE, WS_STATE_OPEN, WS_STATUS_POLICY_VIOLATION } from "@fiberws/core";
import type { Web, WebAction } from "@fiberws/server";
import { scoped, spawn, type Operation } from "effection";
import { SubscriberTooSlowError, type Broadcast } from "../broadcast.js";
import { sendJsonWhileOpen } from "./send-while-open.js";
import { requireWebSocket } from "./upgrade.js";

/** The subprotocol a chat client must ask for. */
export const CHAT_PROTOCOL = "chat";

/** The largest chat message accepted, in bytes: chat lines are short. */
export const CHAT_LIMIT = 64 * 1024;

/** The longest name kept, in characters. */
const NAME_LENGTH = 32;

/** What the server sends a chat client, as JSON. */
export type ChatEvent =
  | { type: "welcome"; name: string; time: string } // to the newcomer: the name it got
  | { type: "joined"; name: string; time: string }
  | { type: "left"; name: string; time: string }
  | { type: "chat"; name: string; text: string; time: string };

/** A chat event on its way through the room, with the connection it came from. */
export interface ChatPost {
  /** The sender's session id: every other connection shows the event, the sender does not. */
  from: string;
  event: ChatEvent;
}

/** Per-connection state, kept with `webSocketSetData` as in the seed's `WsSession`. */
interface ChatSession {
  id: string;
  /** Chosen by the first message; undefined until then. */
  name: string | undefined;
}

/** The name a first message asks for: trimmed, shortened, "guest" when empty. */
function chooseName(text: string): string {
  return text.trim().slice(0, NAME_LENGTH) || "guest";
}

/**
 * The chat callback. The first message names the connection; later ones go to the room.
 * Leaving tells the room, if the connection had joined it.
 * @param ws - the connection; its data is its {@link ChatSession}
 * @param event - a `WS_EVENT_*` code
 * @param buf - the message: a string for text (binary messages are ignored)
 * @param _len - the message length in bytes (unused)
 * @param arg - the room, a `Broadcast<ChatPost>`
 */
export const onChat: WebSocketProc = function* (ws, event, buf, _len, arg) {
  // webSocketRun passes back the arg the action gave it: the room; and the action set the
  // session before it started webSocketRun.
  const room = arg as Broadcast<ChatPost>;
  const session = webSocketGetData<ChatSession>(ws) as ChatSession;
  const time = new Date().toISOString();
  switch (event) {
    case WS_EVENT_MESSAGE:
      if (typeof buf !== "string") break;
      if (session.name === undefined) {
        session.name = chooseName(buf);
        yield* webSocketSendJson(ws, { type: "welcome", name: session.name, time });
        yield* room.publish({ from: session.id, event: { type: "joined", name: session.name, time } });
      } else if (buf.trim() !== "") {
        yield* room.publish({ from: session.id, event: { type: "chat", name: session.name, text: buf, time } });
      }
      break;
    case WS_EVENT_CLOSE:
      if (session.name !== undefined) {
        yield* room.publish({ from: session.id, event: { type: "left", name: session.name, time } });
      }
      break;
  }
};

/**
 * Send this connection every post of the room that another connection made, while it is open.
 * A client that stops reading holds this back (its sends wait) until the room cuts it off for
 * falling too far behind: then it is closed with 1008, and that is logged once.
 */
function* forwardPosts(ws: WebSocket, room: Broadcast<ChatPost>, session: ChatSession): Operation<void> {
  try {
    yield* scoped(function* () {
      const inbox = yield* room.subscribe();
      for (;;) {
        const next = yield* inbox.next();
        if (next.value.from !== session.id && !(yield* sendJsonWhileOpen(ws, next.value.event))) return;
      }
    });
  } catch (error) {
    if (!(error instanceof SubscriberTooSlowError)) throw error;
    // A client that left meanwhile needs no telling.
    if (webSocketGetState(ws) !== WS_STATE_OPEN) return;
    const reason = `too slow: ${error.behind} messages behind`;
    rInfo("chat", "closing %s (%s): %s", session.name ?? "a nameless connection", session.id, reason);
    yield* webSocketSendClose(ws, WS_STATUS_POLICY_VIOLATION, reason);
  }
}

/**
 * Make the action for `/chat/`. Each connection forwards the others' posts from a task of its own,
 * subscribed to `room` for as long as that task lives, and runs {@link onChat}; when it leaves,
 * its scope ends and takes the forwarding task and its subscription with it, so no listener
 * outlives its connection. A connection whose client stops reading is cut off by the room once
 * it falls too far behind, and closed with 1008 ("too slow: N messages behind"), while every
 * other connection goes on receiving every post in order.
 * @param room - the broadcast every chat connection shares
 * @returns the action; a client without the `chat` subprotocol is closed with 1008
 * @example
 * ```ts
 * webAddAction(server, "/chat/", createChatAction(createLocalBroadcast<ChatPost>()));
 * ```
 */
export function createChatAction(room: Broadcast<ChatPost>): WebAction {
  return function* chatAction(web: Web): Operation<void> {
    const { webSocket: ws, buf, timeout } = requireWebSocket(web);
    if (webSocketGetProtocol(ws) !== CHAT_PROTOCOL) {
      yield* webSocketSendClose(ws, WS_STATUS_POLICY_VIOLATION, `use the "${CHAT_PROTOCOL}" subprotocol`);
      return;
    }
    const session: ChatSession = { id: randomUUID(), name: undefined };
    webSocketSetData(ws, session);
    webSocketSetLimits(ws, CHAT_LIMIT, CHAT_LIMIT);
    yield* spawn(() => forwardPosts(ws, room, session));
    yield* webSocketRun(ws, onChat, room, buf, timeout);
  };
}
