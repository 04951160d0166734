import { describe, expect, it } from "vitest";
import net, { type Socket } from "node:net";
import { collectGarbage } from "../testing/gc.test-helpers.js";
import { action, createQueue, resource, spawn, type Operation } from "effection";
import { Protocol, WS_EVENT_MESSAGE, WS_MSG_TEXT } from "@fiberws/core";
import { rGetFiberStats, spawnFiber } from "../runtime/mod.js";
import { scopedTest } from "../testing/mod.js";
import { useWebSocketConnection } from "./lifecycle.js";
import { webSocketRun, type WebSocketProc } from "./run.js";
import { webSocketSend } from "./send.js";


function heapUsed(): number {
  for (let i = 0; i < 4; i++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

const echo: WebSocketProc = function* (ws, event, buf) {
  if (event === WS_EVENT_MESSAGE) yield* webSocketSend(ws, "%s", buf);
};

/** A plain TCP listener whose every connection runs as a WebSocket fiber that returns when closed. */
function useFiberServer(): Operation<number> {
  return resource(function* (provide) {
    const accepted = createQueue<Socket, never>();
    const server = net.createServer((socket) => accepted.add(socket));
    yield* action<void>((resolve) => {
      server.listen(0, "127.0.0.1", resolve);
      return () => {};
    });
    yield* spawn(function* () {
      for (;;) {
        const next = yield* accepted.next();
        if (next.done) return;
        const socket = next.value;
        yield* spawnFiber("websocket", function* () {
          const ws = yield* useWebSocketConnection(socket, { role: "server" });
          yield* webSocketRun(ws, echo, null, null, 0);
        });
      }
    });
    try {
      yield* provide((server.address() as net.AddressInfo).port);
    } finally {
      server.close();
    }
  });
}

function clientFrames(build: (protocol: Protocol) => void): Buffer {
  const protocol = new Protocol({ role: "client" });
  build(protocol);
  return Buffer.concat(protocol.takeOutgoing());
}

const hello = clientFrames((p) => p.send(WS_MSG_TEXT, "hello"));
const bye = clientFrames((p) => p.close(1000, "bye"));
/** The echo of "hello": a 2-byte header and 5 bytes. */
const ECHO_BYTES = 7;

/** One client: send a message, then a close once the echo is back; resolves with the bytes read. */
function oneConnection(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = net.connect(port, "127.0.0.1", () => socket.write(hello));
    socket.on("data", (chunk: Buffer) => {
      const before = received;
      received += chunk.length;
      if (before < ECHO_BYTES && received >= ECHO_BYTES) socket.write(bye);
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
}

function* connections(port: number, total: number, concurrency: number): Operation<void> {
  for (let done = 0; done < total; done += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, total - done) }, () => oneConnection(port));
    const received = yield* action<number[]>((resolve, reject) => {
      Promise.all(batch).then(resolve, reject);
      return () => {};
    });
    // Every client got its echo and the close answer (2 + 2 bytes: the code is echoed).
    for (const bytes of received) expect(bytes).toBe(ECHO_BYTES + 4);
  }
}

describe("connection lifecycle", () => {
  it("leaves the heap flat after opening and closing 10,000 connections", scopedTest(function* () {
    const port = yield* useFiberServer();
    yield* connections(port, 1000, 250); // warm up: code, pools, caches
    const before = heapUsed();
    yield* connections(port, 10_000, 250);
    const after = heapUsed();
    expect(rGetFiberStats().active).toBe(0);
    // A leak of even 200 bytes per connection would show as 2 MB.
    expect(after - before).toBeLessThan(2 * 1024 * 1024);
  }), 60_000);
});
