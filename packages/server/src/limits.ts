// Admission limits: the cap on open connections.
import type { Socket } from "node:net";

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
