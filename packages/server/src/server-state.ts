// The state a running server shares with the code that answers its requests and upgrades.
import type { Clock, WebSocket } from "@fiberws/fiber";
import type { ActionTable } from "./actions.js";
import type { WebConfig } from "./config/mod.js";

/** What request and upgrade handlers read from the server that runs them. */
export interface ServerState {
  /** The configuration the server runs with. */
  readonly config: WebConfig;
  /** The registered actions (fixed once the server serves). */
  readonly actions: ActionTable;
  /** True once shutdown began: new requests and upgrades get 503. */
  readonly stopping: () => boolean;
  /**
   * The open WebSocket connections: each is sent a close with 1001 when shutdown begins, so
   * that its action stops. A set, not a listener per connection: nothing more to keep per
   * idle connection.
   */
  readonly webSockets: Set<WebSocket>;
  /** The time source for a new connection's timers: the one in force in the server's scope now. */
  readonly clock: () => Clock;
}
