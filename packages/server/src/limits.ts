// Admission limits: the cap on open connections, and each request's wait for a fiber slot.
import type { Socket } from "node:net";
import { spawnFiber } from "@fiberws/fiber";
import { withResolvers, type Operation } from "effection";

/**
 * Counts a server's open connections against `limits.connections` and remembers every socket
 * (admitted or refused) so shutdown can end the ones still open.
 */
export class ConnectionGate {
  /** Every socket still open, admitted or not. */
  readonly sockets = new Set<Socket>();
  private admitted = 0;

  /** @param limit the most connections open at once; Infinity for no cap. */
  constructor(readonly limit: number) {}

  /** Connections admitted and still open. */
  get open(): number {
    return this.admitted;
  }

  /**
   * Take a new connection into account.
   * @param socket the new connection.
   * @returns true when it is admitted; false when the cap is reached (the caller refuses it).
   */
  admit(socket: Socket): boolean {
    const admitted = this.admitted < this.limit;
    this.sockets.add(socket);
    if (admitted) this.admitted++;
    socket.once("close", () => {
      this.sockets.delete(socket);
      if (admitted) this.admitted--;
    });
    return admitted;
  }
}

/**
 * Run `body` as a named fiber of the runtime, counted in its stats and subject to its cap: past
 * the cap it waits its turn in FIFO order for at most `queueTimeout` ms. Returns when the
 * fiber has ended. The fiber contains its own failure (the runtime logs it).
 * @param name the fiber's name, for example `GET /index.html`.
 * @param queueTimeout the longest wait for a slot in ms; 0 waits as long as it takes.
 * @param body what the fiber runs.
 * @returns true when the fiber ran; false when it waited `queueTimeout` ms without a slot and
 * never ran (the caller answers 503).
 */
export function* runAsFiber(name: string, queueTimeout: number, body: () => Operation<void>): Operation<boolean> {
  const ended = withResolvers<void>(name);
  const fiber = yield* spawnFiber(
    name,
    function* () {
      try {
        yield* body();
      } finally {
        ended.resolve();
      }
    },
    { queueTimeout },
  );
  if (!(yield* fiber.started())) return false;
  yield* ended.operation;
  return true;
}
