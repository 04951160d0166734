// A sender for shutdown tests: numbers as fast as the peer reads, and a log line of how many sends completed.
import { sleep } from "effection";
import { WS_EVENT_CLOSE, WS_EVENT_OPEN } from "@fiberws/core";
import { rInfo, webSocketRun, webSocketSendString } from "@fiberws/fiber";
import { webAddAction, type WebServer } from "@fiberws/server";

/** The path prefix the counter answers on; `?id=` names the connection in its log line. */
export const COUNTER_PREFIX = "/count/";

/** Pause 1 ms after this many sends, so the counter loads the server without starving it. */
const BURST = 50;

/**
 * Register the counter: each connection gets the messages "0", "1", "2", ... until it closes,
 * and when it closes the server logs `counter <id> completed <n> sends`, where n counts the sends
 * whose operation completed.
 * @param server a server not yet serving.
 * @throws Error if the server already serves or the prefix is taken.
 */
export function addCounter(server: WebServer): void {
  webAddAction(server, COUNTER_PREFIX, function* (web) {
    if (web.kind !== "websocket") return;
    const id = web.query.get("id") ?? "?";
    let completed = 0;
    yield* webSocketRun(
      web.webSocket,
      function* (ws, event) {
        if (event === WS_EVENT_OPEN) {
          for (;;) {
            yield* webSocketSendString(ws, String(completed));
            completed++;
            if (completed % BURST === 0) yield* sleep(1);
          }
        }
        if (event === WS_EVENT_CLOSE) rInfo("counter", "counter %s completed %d sends", id, completed);
      },
      null,
      web.buf,
      0,
    );
  });
}
