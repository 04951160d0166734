// Admission limits: the cap on open connections.
import type { Socket } from "node:net";

/** Where a socket the gate has seen keeps its gate, for the shared close listener. */
const GATE = Symbol("fiberws.connectionGate");

interface GatedSocket extends Socket {
  [GATE]?: ConnectionGate;
}

/**
 * Counts a server's open connections against `limits.connections` and remembers every socket
 * (admitted or refused) so shutdown can end the ones still open.
 */
export class ConnectionGate {
  /** Every socket still open, admitted (true) or not (false). */
  private readonly seen = new Map<Socket, boolean>();
  private admitted = 0;

  /** @param limit the most connections open at once; Infinity for no cap. */
  constructor(readonly limit: number) {}

  /** Connections admitted and still open. */
  get open(): number {
    return this.admitted;
  }

  /** Every socket still open, admitted or not. */
  get sockets(): Iterable<Socket> {
    return this.seen.keys();
  }

  /**
   * Take a new connection into account.
   * @param socket the new connection.
   * @returns true when it is admitted; false when the cap is reached (the caller refuses it).
   */
  admit(socket: Socket): boolean {
    const admitted = this.admitted < this.limit;
    this.seen.set(socket, admitted);
    if (admitted) this.admitted++;
    // One listener function for every socket, and no `once` wrapper: nothing more to keep
    // per connection than the map entry (a closure and its wrapper held ~250 bytes).
    (socket as GatedSocket)[GATE] = this;
    socket.on("close", leaveGate);
    return admitted;
  }

  /** A socket closed: it no longer counts. */
  closed(socket: Socket): void {
    const admitted = this.seen.get(socket);
    if (admitted === undefined) return;
    this.seen.delete(socket);
    if (admitted) this.admitted--;
  }
}

/** The close listener of every gated socket. */
function leaveGate(this: GatedSocket): void {
  this[GATE]?.closed(this);
}
