// Connected pairs over real loopback sockets, without an HTTP server, to drive handlers in tests.
import net, { type Socket } from "node:net";
import { action, resource, type Operation } from "effection";
import type { WebSocket, WebSocketOptions } from "../websocket/connection.js";
import { useWebSocketConnection } from "../websocket/lifecycle.js";

/** Two ends of one TCP connection on 127.0.0.1. */
export interface LoopbackSockets {
  /** The accepted end (where a server-role connection goes). */
  server: Socket;
  /** The connecting end. */
  client: Socket;
}

/** A server-role and a client-role WebSocket talking to each other. */
export interface LoopbackPair {
  /** The server role: hand it to the handler under test (`webSocketRun`, `messages`). */
  server: WebSocket;
  /** The client role: drive the handler with `webSocketSend*`, read replies with `messages`. */
  client: WebSocket;
}

/** Options for each end of a {@link useLoopbackPair}. */
export interface LoopbackPairOptions {
  server?: Omit<WebSocketOptions, "role">;
  client?: Omit<WebSocketOptions, "role">;
}

function connectPair(): Operation<LoopbackSockets> {
  return action<LoopbackSockets>((resolve, reject) => {
    const listener = net.createServer();
    let client: Socket | undefined;
    let accepted: Socket | undefined;
    let connected = false;
    const settle = () => {
      if (accepted && client && connected) {
        listener.close();
        resolve({ server: accepted, client });
      }
    };
    listener.once("connection", (socket: Socket) => {
      accepted = socket;
      settle();
    });
    listener.once("error", reject);
    listener.listen(0, "127.0.0.1", () => {
      const { port } = listener.address() as net.AddressInfo;
      client = net.connect(port, "127.0.0.1", () => {
        connected = true;
        settle();
      });
      client.once("error", reject);
    });
    return () => {
      listener.close();
      if (!connected || !accepted) {
        client?.destroy();
        accepted?.destroy();
      }
    };
  });
}

/**
 * A fresh TCP connection over 127.0.0.1 (the listener is closed once it is accepted). Both
 * sockets are destroyed when the scope ends.
 * @returns both ends
 * @throws Error if the loopback connection cannot be made
 */
export function useLoopbackSockets(): Operation<LoopbackSockets> {
  return resource(function* (provide) {
    const sockets = yield* connectPair();
    try {
      yield* provide(sockets);
    } finally {
      sockets.client.destroy();
      sockets.server.destroy();
    }
  });
}

/**
 * A server-role WebSocket and a client-role WebSocket over a real loopback connection, with no
 * HTTP server: the way to drive a handler in a test. Both ends read from the start (pings are
 * answered, close frames echoed; messages wait for a consumer). When the scope ends the client
 * closes with 1001, then both sockets are released.
 * @param options - options for each end (role excepted)
 * @returns both ends
 * @throws Error if the loopback connection cannot be made
 * @example
 * ```ts
 * it("answers hello", scopedTest(function* () {
 *   const { server, client } = yield* useLoopbackPair();
 *   yield* spawn(() => webSocketRun(server, onWebSocket, null, null, 0));
 *   yield* webSocketSendString(client, "hello");
 *   const reply = yield* nextMessage(client);
 *   expect(reply.data).toBe("echo: hello");
 * }));
 * ```
 */
export function* useLoopbackPair(options: LoopbackPairOptions = {}): Operation<LoopbackPair> {
  const sockets = yield* useLoopbackSockets();
  const server = yield* useWebSocketConnection(sockets.server, { ...options.server, role: "server" });
  const client = yield* useWebSocketConnection(sockets.client, { ...options.client, role: "client" });
  server.startReading(null);
  client.startReading(null);
  return { server, client };
}
