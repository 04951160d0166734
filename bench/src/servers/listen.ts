// Start a TCP or HTTP server listening as an effection resource that closes it on exit.
import type { Server, Socket } from "node:net";
import { action, resource, type Operation } from "effection";

/**
 * Listen on `host:port` and keep listening until the caller's scope ends; then stop accepting
 * and destroy the connections still open.
 * @param server an unstarted `net` or `http` server.
 * @param port the port (0 picks a free one).
 * @param host the address, e.g. "127.0.0.1".
 * @returns the port actually bound.
 * @throws Error if listening fails (e.g. the port is taken).
 * @example
 * const port = yield* useListening(createServer(onConnection), 0, "127.0.0.1");
 */
export function useListening(server: Server, port: number, host: string): Operation<number> {
  return resource(function* (provide) {
    const sockets = new Set<Socket>();
    const track = (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    };
    server.on("connection", track);
    try {
      yield* action<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => resolve());
        return () => server.off("error", reject);
      });
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("not a TCP address");
      yield* provide(address.port);
    } finally {
      server.off("connection", track);
      server.close();
      for (const socket of sockets) socket.destroy();
    }
  });
}
