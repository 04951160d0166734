// The state a running server shares with the code that answers its requests and upgrades.
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
   * Call `listener` when shutdown begins (WebSocket connections stop their action then).
   * @param listener called once, when the server starts to stop (at once if it already is).
   * @returns a function that removes the listener.
   */
  readonly onStop: (listener: () => void) => () => void;
}
