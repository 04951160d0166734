import { describe, expect, it } from "vitest";
import { sleep, spawn, withResolvers } from "effection";
import type { Socket } from "node:net";
import { Protocol, WS_EVENT_MESSAGE, WS_MSG_BINARY, WS_MSG_TEXT, WS_STATE_OPEN, type ProtocolEvent } from "@fiberws/core";
import { collectGarbage } from "../testing/gc.test-helpers.js";
import { scopedTest, useLoopbackSockets, useTestClock } from "../testing/mod.js";
import { webSocketGetState } from "./accessors.js";
import { useWebSocketConnection } from "./lifecycle.js";
import { webSocketRun, type WebSocketProc } from "./run.js";

/** Send `count` binary messages of `size` bytes from a client-role engine over `socket`. */
function sendMessages(socket: Socket, count: number, size: number): void {
  const client = new Protocol({ role: "client", maxFrame: Infinity });
  for (let i = 0; i < count; i++) client.send(WS_MSG_BINARY, Buffer.alloc(size, i));
  for (const frame of client.takeOutgoing()) socket.write(frame);
}

/** Count the calls of `socket.pause()`. */
function countPauses(socket: Socket): { count: number } {
  const counter = { count: 0 };
  const pause = socket.pause.bind(socket);
  socket.pause = () => {
    counter.count++;
    return pause();
  };
  return counter;
}

/** A callback that stays busy with the first message until `release()`, counting messages. */
function busyWithFirstMessage(): { proc: WebSocketProc; release: () => void; readonly received: number } {
  const released = withResolvers<void>();
  let received = 0;
  return {
    proc: function* (_ws, event) {
      if (event !== WS_EVENT_MESSAGE) return;
      received++;
      if (received === 1) yield* released.operation;
    },
    release: () => released.resolve(),
    get received() {
      return received;
    },
  };
}

/** A server connection over loopback sockets, run by a callback busy with its first message. */
function* useBusyConnection() {
  const sockets = yield* useLoopbackSockets();
  const ws = yield* useWebSocketConnection(sockets.server, { role: "server", closeTimeout: 50 });
  const busy = busyWithFirstMessage();
  yield* spawn(() => webSocketRun(ws, busy.proc, null, null, 0));
  return { sockets, busy };
}

describe("WebSocket input pacing", () => {
  it("pauses reading while over 256 KiB of messages wait for a busy callback, and resumes once it catches up", scopedTest(function* () {
    const { sockets, busy } = yield* useBusyConnection();
    sendMessages(sockets.client, 6, 100_000);
    yield* sleep(100);
    expect(busy.received).toBe(1);
    expect(sockets.server.isPaused()).toBe(true);
    busy.release();
    yield* sleep(100);
    expect(busy.received).toBe(6);
    expect(sockets.server.isPaused()).toBe(false);
  }));

  it("pauses reading under a flood of pings while the callback is busy, as under one of messages", scopedTest(function* () {
    const { sockets, busy } = yield* useBusyConnection();
    sendMessages(sockets.client, 1, 10);
    yield* sleep(20);
    expect(busy.received).toBe(1);
    // 40,000 pings of 10 bytes: ~3 MB queued as events (each keeps its slice and ~64 bytes more).
    const client = new Protocol({ role: "client" });
    for (let i = 0; i < 40_000; i++) client.ping("0123456789");
    for (const frame of client.takeOutgoing()) sockets.client.write(frame);
    yield* sleep(100);
    expect(sockets.server.isPaused()).toBe(true);
    busy.release();
    yield* sleep(100);
    expect(sockets.server.isPaused()).toBe(false);
  }));

  it("sends no keep-alive ping and counts no inactivity while reading is paused for a slow consumer", scopedTest(function* () {
    const clock = yield* useTestClock();
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server", pingPeriod: 1000, pingTimeout: 500, closeTimeout: 50 });
    const peer = new Protocol({ role: "client", maxFrame: Infinity });
    const pings: number[] = [];
    sockets.client.on("data", (chunk: Buffer) => {
      const events: ProtocolEvent[] = [];
      peer.receive(chunk, events);
      for (const event of events) if (event.kind === "ping") pings.push(clock.now());
      for (const frame of peer.takeOutgoing()) sockets.client.write(frame);
    });
    const busy = busyWithFirstMessage();
    yield* spawn(() => webSocketRun(ws, busy.proc, null, null, 3000));
    sendMessages(sockets.client, 6, 100_000);
    yield* sleep(100);
    expect(sockets.server.isPaused()).toBe(true);
    // The callback is slow, not stuck: it moves on within the inactivity timeout each time.
    yield* clock.advance(2500);
    busy.release();
    yield* sleep(50);
    expect(busy.received).toBe(6);
    expect(pings).toEqual([]);
    expect(webSocketGetState(ws)).toBe(WS_STATE_OPEN);
    // Reading again, the keep-alive starts over from the last event taken.
    yield* clock.advance(1000);
    yield* sleep(20);
    expect(pings).toEqual([3500]);
    expect(webSocketGetState(ws)).toBe(WS_STATE_OPEN);
  }));

  it("takes a 1 MiB message without pausing when the callback is waiting for it", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const pauses = countPauses(sockets.server);
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server", maxFrame: Infinity, closeTimeout: 50 });
    const lengths: number[] = [];
    const record: WebSocketProc = (_ws, event, _buf, len) => {
      if (event === WS_EVENT_MESSAGE) lengths.push(len);
    };
    yield* spawn(() => webSocketRun(ws, record, null, null, 0));
    sendMessages(sockets.client, 2, 1024 * 1024);
    while (lengths.length < 2) yield* sleep(10);
    expect(lengths).toEqual([1024 * 1024, 1024 * 1024]);
    expect(pauses.count).toBe(0);
  }));
});

describe("WebSocket event queue", () => {
  it("keeps nothing of a burst of input once it has been delivered: idle connections stay small", scopedTest(function* () {
    const emptyFrames = (count: number): Buffer => {
      const client = new Protocol({ role: "client" });
      for (let i = 0; i < count; i++) client.send(WS_MSG_TEXT, "");
      return Buffer.concat(client.takeOutgoing());
    };
    const connections = 20;
    const burst = 3000;
    let received = 0;
    const count: WebSocketProc = (_ws, event) => {
      if (event === WS_EVENT_MESSAGE) received++;
    };
    const clients: Socket[] = [];
    for (let i = 0; i < connections; i++) {
      const sockets = yield* useLoopbackSockets();
      const ws = yield* useWebSocketConnection(sockets.server, { role: "server", hibernateAfter: 0, closeTimeout: 50 });
      yield* spawn(() => webSocketRun(ws, count, null, null, 0));
      clients.push(sockets.client);
    }
    // Small reads, many of them, as a busy server sees: the queue's code gets optimised.
    const small = emptyFrames(3);
    for (let round = 0; round < 2000; round++) {
      for (const client of clients) client.write(small);
      if (round % 100 === 99) yield* sleep(1);
    }
    while (received < 2000 * 3 * connections) yield* sleep(5);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const bursts = emptyFrames(burst);
    for (const client of clients) client.write(bursts);
    while (received < (2000 * 3 + burst) * connections) yield* sleep(5);
    for (const client of clients) client.write(small);
    yield* sleep(20);
    collectGarbage();
    const kept = process.memoryUsage().heapUsed - before;
    // Keeping each burst's queue store would hold 20 x 3000 slots x 8 bytes = 480 KB.
    expect(kept).toBeLessThan(150_000);
  }));
});

/** Write frames queued with `queue` on a `role` engine to `socket`. */
function writeFrames(socket: Socket, role: "client" | "server", queue: (protocol: Protocol) => void): Protocol {
  const protocol = new Protocol({ role });
  queue(protocol);
  for (const frame of protocol.takeOutgoing()) socket.write(frame);
  return protocol;
}

describe("WebSocket closing TCP", () => {
  it("as a client, leaves closing TCP to the server after the close handshake, and closes once it has", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    let clientEnded = false;
    sockets.server.on("end", () => (clientEnded = true));
    const ws = yield* useWebSocketConnection(sockets.client, { role: "client" });
    const run = yield* spawn(() => webSocketRun(ws, () => {}, null, null, 0));
    writeFrames(sockets.server, "server", (server) => server.close(1000, "done"));
    yield* sleep(50);
    // The client answered the close, and neither sent its FIN nor dropped the socket.
    expect(ws.protocol.closeSent?.code).toBe(1000);
    expect(clientEnded).toBe(false);
    expect(sockets.client.destroyed).toBe(false);
    sockets.server.end();
    expect(yield* run).toBe(0);
    expect(sockets.client.destroyed).toBe(true);
  }));

  it("as a client, closes TCP itself when the server has not after the close timeout", scopedTest(function* () {
    const clock = yield* useTestClock();
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.client, { role: "client", closeTimeout: 1000 });
    yield* spawn(() => webSocketRun(ws, () => {}, null, null, 0));
    writeFrames(sockets.server, "server", (server) => server.close(1000, "done"));
    yield* sleep(50);
    yield* clock.advance(999);
    expect(sockets.client.destroyed).toBe(false);
    yield* clock.advance(1);
    expect(sockets.client.destroyed).toBe(true);
  }));

  it("as a server, closes TCP as soon as the close handshake is done, before any consumer reads", scopedTest(function* () {
    yield* useTestClock(); // no close timeout runs out meanwhile
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    ws.startReading(null);
    writeFrames(sockets.client, "client", (client) => {
      client.send(WS_MSG_TEXT, "before the close");
      client.close(1000, "bye");
    });
    yield* sleep(50);
    expect(sockets.server.destroyed).toBe(true);
    // What came before the close is still there for a consumer.
    const event = ws.nextEvent();
    expect(event).toMatchObject({ kind: "message", data: "before the close" });
    expect(ws.nextEvent()).toBeUndefined();
    expect(ws.finished).toBe(true);
  }));
});

describe("WebSocket answers to pings", () => {
  it("keeps its output bounded when a peer floods pings and does not read, and answers the latest once it does", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    yield* spawn(() => webSocketRun(ws, () => {}, null, null, 0));
    sockets.client.pause();
    // ~21 MB of pings, more than the loopback's socket buffers hold: unanswered by a reader,
    // one pong each would leave most of it queued in the server's socket.
    writeFrames(sockets.client, "client", (client) => {
      for (let i = 0; i < 160_000; i++) client.ping(`${String(i).padStart(6, "0")}${"x".repeat(119)}`);
    });
    let most = 0;
    for (let waited = 0; waited < 40; waited++) {
      yield* sleep(10);
      most = Math.max(most, sockets.server.writableLength);
    }
    expect(most).toBeLessThan(1024 * 1024);
    // The peer reads again: the last answer it gets is to the last ping.
    const peer = new Protocol({ role: "client" });
    let lastPong = "";
    sockets.client.on("data", (chunk: Buffer) => {
      const events: ProtocolEvent[] = [];
      peer.receive(chunk, events);
      for (const event of events) if (event.kind === "pong") lastPong = event.data.toString().slice(0, 6);
    });
    sockets.client.resume();
    for (let waited = 0; waited < 500 && lastPong !== "159999"; waited++) yield* sleep(10);
    expect(lastPong).toBe("159999");
  }));
});
