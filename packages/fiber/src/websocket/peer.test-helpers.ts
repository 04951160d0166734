// Test helpers: a minimal upgrade server that runs our connections, and `ws` as the independent peer.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocket as WsSocket, type RawData } from "ws";
import { action, createQueue, resource, spawn, useScope, withResolvers, type Operation } from "effection";
import { Protocol, validateUpgradeRequest, type ProtocolEvent } from "@fiberws/core";
import type { ConnectionEvent } from "./connection.js";
import { useSocket } from "./socket.js";

/** Runs one upgraded connection; `head` holds bytes read with the upgrade. */
export type UpgradeHandler = (socket: Socket, head: Buffer, protocol: string | undefined) => Operation<void>;

/**
 * An HTTP server on 127.0.0.1 that accepts WebSocket upgrades and runs `handler` for each in a
 * task of the current scope.
 * @returns the ws: URL to connect to
 */
export function useUpgradeServer(handler: UpgradeHandler, protocols: string[] = []): Operation<string> {
  return resource(function* (provide) {
    const scope = yield* useScope();
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      const decision = validateUpgradeRequest(req, { protocols });
      if (!decision.ok) {
        socket.end(`HTTP/1.1 ${decision.status} Refused\r\nConnection: close\r\n\r\n`);
        return;
      }
      const lines = Object.entries(decision.headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\n${lines.join("")}\r\n`);
      scope.run(() => handler(socket, head, decision.protocol));
    });
    yield* action<void>((resolve) => {
      server.listen(0, "127.0.0.1", resolve);
      return () => {};
    });
    try {
      yield* provide(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
}

/** A `ws` client, its messages queued from the start. */
export interface WsPeer {
  socket: WsSocket;
  /** The next message (text as string, binary as Buffer). */
  next(): Operation<string | Buffer>;
  /** Wait for the close event: the code and reason `ws` reports. */
  closed(): Operation<{ code: number; reason: string }>;
}

/** Open a `ws` client connection; terminated when the scope ends. */
export function useWsPeer(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}): Operation<WsPeer> {
  return resource(function* (provide) {
    const socket = new WsSocket(url, options.protocols ?? [], { headers: options.headers });
    const queue = createQueue<string | Buffer, never>();
    const closed = withResolvers<{ code: number; reason: string }>();
    socket.on("message", (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      queue.add(isBinary ? bytes : bytes.toString());
    });
    socket.on("close", (code: number, reason: Buffer) => closed.resolve({ code, reason: reason.toString() }));
    socket.on("error", () => {});
    yield* action<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("unexpected-response", (_req, res) => reject(new Error(`status ${res.statusCode}`)));
      socket.once("error", reject);
      return () => {};
    });
    try {
      yield* provide({
        socket,
        *next() {
          const item = yield* queue.next();
          if (item.done) throw new Error("no more messages");
          return item.value;
        },
        closed: () => closed.operation,
      });
    } finally {
      socket.terminate();
    }
  });
}

/** A hand-driven client over a raw socket: frames encoded and parsed by the core protocol. */
export interface RawPeer {
  protocol: Protocol;
  /** Queue frames with `protocol`, then `flush()` them to the socket. */
  flush(): void;
  /** The next event from the server (`end` when the socket's input is over). */
  next(): Operation<ConnectionEvent>;
}

/**
 * Read `socket` as a client-role peer. With `answer` (the default), the pongs and close echoes
 * the protocol queues are written back as frames arrive; without it, nothing is answered.
 */
export function* useRawPeer(socket: Socket, options: { answer?: boolean } = {}): Operation<RawPeer> {
  const protocol = new Protocol({ role: "client" });
  const channel = yield* useSocket(socket);
  const events = createQueue<ConnectionEvent, never>();
  const flush = () => {
    for (const frame of protocol.takeOutgoing()) channel.write(frame);
  };
  yield* spawn(function* () {
    for (let chunk = yield* channel.read(); chunk; chunk = yield* channel.read()) {
      const parsed: ProtocolEvent[] = [];
      protocol.receive(chunk, parsed);
      for (const event of parsed) events.add(event);
      if (options.answer ?? true) flush();
      else protocol.takeOutgoing();
    }
    events.add({ kind: "end" });
  });
  return {
    protocol,
    flush,
    *next() {
      const item = yield* events.next();
      if (item.done) throw new Error("unreachable: the event queue never closes");
      return item.value;
    },
  };
}

/** Skip pings and pongs: the next data, close, error or end event. */
export function* nextSignificant(peer: RawPeer): Operation<ConnectionEvent> {
  for (;;) {
    const event = yield* peer.next();
    if (event.kind !== "ping" && event.kind !== "pong") return event;
  }
}
