// The example actions, registered on a server under the prefixes that web.json5 routes to them.
import { webAddAction, type WebServer } from "@fiberws/server";
import { createLocalBroadcast, type Broadcast } from "./broadcast.js";
import { createChatAction, type ChatPost } from "./handlers/chat.js";
import { echoAction } from "./handlers/echo.js";
import { telemetryAction } from "./handlers/telemetry.js";
import { wsAction } from "./handlers/ws.js";

/**
 * Register the example actions: `/ws/` (the seed's handler), `/echo/` (exact echo),
 * `/telemetry/` (a JSON reading every second) and `/chat/` (a room shared by its connections).
 * @param server - a server not yet serving
 * @param room - the chat room's broadcast; a new in-process one by default
 * @throws Error if the server already serves or one of the prefixes is taken
 * @example
 * ```ts
 * const server = createWebServer(loadConfig("examples/web.json5"));
 * addExampleActions(server);
 * const service = yield* serve(server);
 * ```
 */
export function addExampleActions(server: WebServer, room: Broadcast<ChatPost> = createLocalBroadcast()): void {
  webAddAction(server, "/ws/", wsAction);
  webAddAction(server, "/echo/", echoAction);
  webAddAction(server, "/telemetry/", telemetryAction);
  webAddAction(server, "/chat/", createChatAction(room));
}
