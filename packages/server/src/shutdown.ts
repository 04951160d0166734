// Graceful shutdown of a serving server: stop accepting, let connections end, release the ports.
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { all, type Operation } from "effection";
import { armTimer, runInterruptible } from "./interruptible.js";
import { stopAccepting } from "./listen.js";

/** How much longer than the close timeout shutdown waits for handlers before halting them, in ms. */
const SHUTDOWN_MARGIN_MS = 500;

/** What a server hands to {@link shutDown}. */
export interface ShutdownParts {
  /** The node servers, listening or not. */
  readonly servers: readonly Server[];
  /** The handlers' fibers: waited for, then halted if still running. */
  readonly handlers: { whenIdle(): Operation<void>; haltAll(): Operation<void> };
  /** Every socket still open. */
  readonly sockets: () => Iterable<Socket>;
  /** Tell the handlers the server stops: WebSocket actions return, new requests get 503. */
  readonly announce: () => void;
  /** `timeouts.close` in ms: each WebSocket's close bound and the grace for HTTP responses; 0 = none. */
  readonly closeTimeout: number;
}

/**
 * Shut a server down: stop accepting connections and close idle ones, announce the stop (every
 * WebSocket then closes with 1001, all at once, each bounded by the close timeout), wait for
 * the handlers, in-flight HTTP responses included, for the close timeout plus a short margin,
 * halt those still running, end every remaining connection, and return once the ports are free.
 * @param parts the server's listeners, handlers and sockets.
 */
export function* shutDown(parts: ShutdownParts): Operation<void> {
  const closed = parts.servers.map(stopAccepting);
  for (const server of parts.servers) server.closeIdleConnections();
  parts.announce();
  const grace = parts.closeTimeout > 0 ? parts.closeTimeout + SHUTDOWN_MARGIN_MS : 0;
  yield* runInterruptible(
    () => parts.handlers.whenIdle(),
    (interrupt: (reason: "grace over") => void) => armTimer(grace, interrupt, "grace over"),
  );
  yield* parts.handlers.haltAll();
  for (const server of parts.servers) server.closeAllConnections();
  for (const socket of parts.sockets()) socket.destroy();
  yield* all(closed);
}
