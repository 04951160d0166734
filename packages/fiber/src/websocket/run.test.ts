import { describe, expect, it } from "vitest";
import { each, sleep, spawn, suspend, withResolvers, type Operation } from "effection";
import type { Socket } from "node:net";
import { collectGarbage } from "../testing/gc.test-helpers.js";
import {
  encodeClosePayload,
  encodeFrame,
  Protocol,
  WS_EVENT_CLOSE,
  WS_EVENT_ERROR,
  WS_EVENT_MESSAGE,
  WS_EVENT_OPEN,
  WS_EVENT_PARTIAL_MESSAGE,
  WS_MSG_BINARY,
  WS_MSG_CLOSE,
  WS_MSG_TEXT,
  WS_STATE_CLOSED,
  WS_STATE_OPEN,
} from "@fiberws/core";
import { nextMessage, scopedTest, useLoopbackPair, useLoopbackSockets, useTestClock } from "../testing/mod.js";
import { WebSocketClosedError } from "./closed-error.js";
import type { WebSocket, WebSocketOptions } from "./connection.js";
import { useWebSocketConnection } from "./lifecycle.js";
import { webSocketRun, type WebSocketProc } from "./run.js";
import { webSocketSend, webSocketSendBlock, webSocketSendClose, webSocketSendString } from "./send.js";
import {
  webSocketGetCloseReason,
  webSocketGetCloseStatus,
  webSocketGetErrorMessage,
  webSocketGetMessageLength,
  webSocketGetState,
} from "./accessors.js";
import { messages } from "./messages.js";
import { nextSignificant, useRawPeer, useUpgradeServer, useWsPeer } from "./peer.test-helpers.js";

const echo: WebSocketProc = function* (ws, event, buf) {
  if (event !== WS_EVENT_MESSAGE || buf === null) return;
  if (typeof buf === "string") yield* webSocketSend(ws, "%s", buf);
  else yield* webSocketSendBlock(ws, WS_MSG_BINARY, buf);
};

interface Seen {
  events: number[];
  data: (string | Buffer | null)[];
  status?: number;
  error?: unknown;
}

/** An upgrade handler running `callback` and recording what it saw and how the run ended. */
function serveWith(callback: WebSocketProc, seen: Seen, options: Partial<WebSocketOptions> = {}, timeout = 0) {
  return function* (socket: Socket, head: Buffer): Operation<void> {
    const ws = yield* useWebSocketConnection(socket, { ...options, role: "server" });
    const recording: WebSocketProc = (w, event, buf, len, arg) => {
      seen.events.push(event);
      seen.data.push(buf);
      return callback(w, event, buf, len, arg);
    };
    try {
      seen.status = yield* webSocketRun(ws, recording, null, head, timeout);
    } catch (error) {
      seen.error = error;
    }
  };
}

function newSeen(): Seen {
  return { events: [], data: [] };
}

function clientFrames(build: (protocol: Protocol) => void): Buffer {
  const protocol = new Protocol({ role: "client" });
  build(protocol);
  return Buffer.concat(protocol.takeOutgoing());
}

/**
 * A server-role run whose callback, busy with the peer's first message, sends once the peer
 * has dropped TCP; `onOpen` runs at WS_EVENT_OPEN and `onSendError` sees what the send threw
 * (rethrown). Returns what the run returned.
 */
function* sendAfterThePeerIsLost(
  onOpen?: (ws: WebSocket) => Operation<void>,
  onSendError?: (error: unknown) => void,
): Operation<number> {
  const sockets = yield* useLoopbackSockets();
  const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
  yield* useRawPeer(sockets.client);
  const release = withResolvers<void>();
  const busy = withResolvers<void>();
  const task = yield* spawn(() => webSocketRun(ws, function* (w, event) {
    if (event === WS_EVENT_OPEN && onOpen) yield* onOpen(w);
    if (event !== WS_EVENT_MESSAGE) return;
    busy.resolve();
    yield* release.operation;
    try {
      yield* webSocketSendString(w, "nobody is listening");
    } catch (error) {
      onSendError?.(error);
      throw error;
    }
  }, null, null, 0));
  sockets.client.write(clientFrames((p) => p.send(WS_MSG_TEXT, "work")));
  yield* busy.operation;
  sockets.client.destroy();
  while (!sockets.server.readableEnded) yield* sleep(1);
  release.resolve();
  return yield* task;
}

/**
 * A server-role run that closes with 1000 at once, with a test clock and `closeTimeout`, and a
 * raw peer that does not answer: returned once the peer has read the close.
 */
function* closeUnanswered(closeTimeout: number) {
  const clock = yield* useTestClock();
  const sockets = yield* useLoopbackSockets();
  const ws = yield* useWebSocketConnection(sockets.server, { role: "server", closeTimeout });
  const peer = yield* useRawPeer(sockets.client, { answer: false });
  const task = yield* spawn(() => webSocketRun(ws, function* (w, event) {
    if (event === WS_EVENT_OPEN) yield* webSocketSendClose(w, 1000, "bye");
  }, null, null, 0));
  expect(yield* nextSignificant(peer)).toMatchObject({ kind: "close", code: 1000, reason: "bye" });
  return { clock, sockets, peer, task };
}

describe("webSocketRun with a ws client", () => {
  it("echoes text and binary messages", scopedTest(function* () {
    const url = yield* useUpgradeServer(serveWith(echo, newSeen()));
    const peer = yield* useWsPeer(url);
    peer.socket.send("hello");
    expect(yield* peer.next()).toBe("hello");
    peer.socket.send(Buffer.from([1, 2, 3]));
    expect(yield* peer.next()).toEqual(Buffer.from([1, 2, 3]));
  }));

  it("fires OPEN first, then messages, then CLOSE once with the peer's code and reason", scopedTest(function* () {
    const seen = newSeen();
    let closeInfo: [number, string] | undefined;
    const url = yield* useUpgradeServer(serveWith((ws, event) => {
      if (event === WS_EVENT_CLOSE) closeInfo = [webSocketGetCloseStatus(ws), webSocketGetCloseReason(ws)];
      return echo(ws, event, null, 0, null);
    }, seen));
    const peer = yield* useWsPeer(url);
    peer.socket.send("x");
    peer.socket.close(1000, "bye");
    expect((yield* peer.closed()).code).toBe(1000);
    yield* sleep(20);
    expect(seen.events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_CLOSE]);
    expect(closeInfo).toEqual([1000, "bye"]);
    expect(seen.status).toBe(0);
  }));

  it("reassembles a fragmented message into one WS_EVENT_MESSAGE", scopedTest(function* () {
    const seen = newSeen();
    const url = yield* useUpgradeServer(serveWith(echo, seen));
    const peer = yield* useWsPeer(url);
    peer.socket.send("Hel", { fin: false });
    peer.socket.send("lo, ", { fin: false });
    peer.socket.send("world", { fin: true });
    expect(yield* peer.next()).toBe("Hello, world");
    expect(seen.events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE]);
  }));

  it("delivers each fragment as it arrives when partial delivery is on", scopedTest(function* () {
    const seen = newSeen();
    const lengths: number[] = [];
    const url = yield* useUpgradeServer(serveWith(function* (ws, event, buf) {
      if (event === WS_EVENT_PARTIAL_MESSAGE || event === WS_EVENT_MESSAGE) lengths.push(webSocketGetMessageLength(ws));
      if (event === WS_EVENT_MESSAGE) yield* webSocketSend(ws, "done %s", buf);
    }, seen, { partial: true }));
    const peer = yield* useWsPeer(url);
    peer.socket.send("ab", { fin: false });
    peer.socket.send("cde", { fin: true });
    expect(yield* peer.next()).toBe("done cde");
    expect(seen.events).toEqual([WS_EVENT_OPEN, WS_EVENT_PARTIAL_MESSAGE, WS_EVENT_MESSAGE]);
    expect(seen.data.slice(1)).toEqual(["ab", "cde"]);
    expect(lengths).toEqual([2, 3]);
  }));

  it("closes with 1011 and rethrows when the callback throws", scopedTest(function* () {
    const seen = newSeen();
    const url = yield* useUpgradeServer(serveWith((_ws, event) => {
      if (event === WS_EVENT_MESSAGE) throw new Error("handler broke");
    }, seen));
    const peer = yield* useWsPeer(url);
    peer.socket.send("boom");
    expect((yield* peer.closed()).code).toBe(1011);
    yield* sleep(20);
    expect((seen.error as Error).message).toBe("handler broke");
    expect(seen.events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_CLOSE]);
  }));

  it("answers pings at once while a callback is still running", scopedTest(function* () {
    const release = withResolvers<void>();
    const url = yield* useUpgradeServer(serveWith(function* (_ws, event) {
      if (event === WS_EVENT_MESSAGE) yield* release.operation;
    }, newSeen()));
    const peer = yield* useWsPeer(url);
    peer.socket.send("take your time");
    const pong = withResolvers<string>();
    peer.socket.on("pong", (data: Buffer) => pong.resolve(data.toString()));
    peer.socket.ping("are you there");
    expect(yield* pong.operation).toBe("are you there");
    release.resolve();
  }));

  it("delivers 10,000 messages sent in a burst, in order, none lost", scopedTest(function* () {
    const received: string[] = [];
    const all = withResolvers<void>();
    const url = yield* useUpgradeServer(serveWith((_ws, event, buf) => {
      if (event !== WS_EVENT_MESSAGE) return;
      received.push(buf as string);
      if (received.length === 10_000) all.resolve();
    }, newSeen()));
    const peer = yield* useWsPeer(url);
    for (let i = 0; i < 10_000; i++) peer.socket.send(String(i));
    yield* all.operation;
    expect(received).toEqual(Array.from({ length: 10_000 }, (_, i) => String(i)));
  }));

  it("sends 10,000 messages in a burst that arrive in order", scopedTest(function* () {
    const url = yield* useUpgradeServer(serveWith(function* (ws, event) {
      if (event !== WS_EVENT_OPEN) return;
      for (let i = 0; i < 10_000; i++) yield* webSocketSend(ws, "%d", i);
    }, newSeen()));
    const peer = yield* useWsPeer(url);
    for (let i = 0; i < 10_000; i++) expect(yield* peer.next()).toBe(String(i));
  }));
});

describe("webSocketRun memory", () => {
  it("keeps no message alive while the connection waits for the next", scopedTest(function* () {
    let last: WeakRef<Buffer> | undefined;
    const remember: WebSocketProc = function* (ws, event, buf) {
      if (event !== WS_EVENT_MESSAGE || !Buffer.isBuffer(buf)) return;
      last = new WeakRef(buf);
      yield* webSocketSendBlock(ws, WS_MSG_BINARY, buf);
    };
    const url = yield* useUpgradeServer(function* (socket, head) {
      const ws = yield* useWebSocketConnection(socket, { role: "server" });
      yield* webSocketRun(ws, remember, null, head, 0);
    });
    const peer = yield* useWsPeer(url);
    peer.socket.send(Buffer.alloc(100_000, 1));
    expect((yield* peer.next()).length).toBe(100_000);
    yield* sleep(20);
    collectGarbage();
    expect(last).toBeDefined();
    expect(last?.deref()).toBeUndefined();
  }));
});

describe("webSocketRun over a loopback pair", () => {
  it("echoes in the client role too", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    yield* spawn(() => webSocketRun(client, echo, null, null, 0));
    yield* webSocketSend(server, "from the server");
    expect((yield* nextMessage(server)).data).toBe("from the server");
    yield* webSocketSendBlock(server, WS_MSG_BINARY, Buffer.from([9, 8]));
    const reply = yield* nextMessage(server);
    expect(reply.type).toBe(WS_MSG_BINARY);
    expect(reply.data).toEqual(Buffer.from([9, 8]));
  }));

  it("processes the pre-read bytes before anything read later", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    yield* useRawPeer(sockets.client);
    const seen: (string | Buffer | null)[] = [];
    const done = withResolvers<void>();
    const head = clientFrames((p) => {
      p.send(WS_MSG_TEXT, "first");
      p.send(WS_MSG_TEXT, "second");
    });
    // These bytes reach the socket before the run starts: they must still come after `head`.
    sockets.client.write(clientFrames((p) => p.send(WS_MSG_TEXT, "third")));
    yield* sleep(10);
    yield* spawn(() => webSocketRun(ws, (_ws, event, buf) => {
      if (event !== WS_EVENT_MESSAGE) return;
      seen.push(buf);
      if (seen.length === 3) done.resolve();
    }, null, head, 0));
    yield* done.operation;
    expect(seen).toEqual(["first", "second", "third"]);
  }));

  it("sends 1001 to the peer and fires WS_EVENT_CLOSE once when its task is halted", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    const events: number[] = [];
    const opened = withResolvers<void>();
    const task = yield* spawn(() => webSocketRun(server, (_ws, event) => {
      events.push(event);
      if (event === WS_EVENT_OPEN) opened.resolve();
    }, null, null, 0));
    yield* opened.operation;
    yield* task.halt();
    expect(events).toEqual([WS_EVENT_OPEN, WS_EVENT_CLOSE]);
    expect(webSocketGetState(server)).toBe(WS_STATE_CLOSED);
    expect(server.channel.socket.destroyed).toBe(true);
    const subscription = yield* messages(client);
    const end = yield* subscription.next();
    expect(end).toEqual({ done: true, value: { code: 1001, reason: "going away" } });
  }));

  it("tells the peer of a protocol error with its code even when halted before the callback reached it", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    const peer = yield* useRawPeer(sockets.client);
    const busy = withResolvers<void>();
    const task = yield* spawn(() => webSocketRun(ws, function* (_w, event) {
      if (event !== WS_EVENT_MESSAGE) return;
      busy.resolve();
      yield* suspend();
    }, null, null, 0));
    sockets.client.write(clientFrames((p) => p.send(WS_MSG_TEXT, "work")));
    yield* busy.operation;
    sockets.client.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // "hi", unmasked: 1002
    yield* sleep(20);
    yield* task.halt();
    expect(yield* nextSignificant(peer)).toMatchObject({ kind: "close", code: 1002 });
  }));

  it("returns 0 after a close it started is answered", scopedTest(function* () {
    const { server } = yield* useLoopbackPair();
    const status = yield* webSocketRun(server, function* (ws, event) {
      if (event === WS_EVENT_OPEN) yield* webSocketSendClose(ws, 1000, "done");
    }, null, null, 0);
    expect(status).toBe(0);
  }));

  it("reports 1006 and returns -1006 when the peer drops TCP without a close", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    const task = yield* spawn(() => webSocketRun(ws, () => {}, null, null, 0));
    sockets.client.destroy();
    expect(yield* task).toBe(-1006);
    expect(webSocketGetCloseStatus(ws)).toBe(1006);
  }));

  it("closes with 1002 and fires WS_EVENT_ERROR then WS_EVENT_CLOSE on a protocol error", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    const peer = yield* useRawPeer(sockets.client);
    const events: number[] = [];
    const task = yield* spawn(() => webSocketRun(ws, (_ws, event) => void events.push(event), null, null, 0));
    sockets.client.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // unmasked text from a client
    const close = yield* nextSignificant(peer);
    expect(close).toMatchObject({ kind: "close", code: 1002 });
    expect(yield* task).toBe(-1002);
    expect(events).toEqual([WS_EVENT_OPEN, WS_EVENT_ERROR, WS_EVENT_CLOSE]);
    expect(webSocketGetErrorMessage(ws)).not.toBe("");
  }));
});

describe("webSocketRun when the peer closes", () => {
  it("answers the messages that came in the same read as the peer's close, then echoes the close", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    const peer = yield* useRawPeer(sockets.client);
    const events: number[] = [];
    const task = yield* spawn(() => webSocketRun(ws, function* (w, event, buf) {
      events.push(event);
      if (event !== WS_EVENT_MESSAGE) return;
      yield* sleep(5); // a reply that takes a moment still goes out before the echo
      yield* webSocketSend(w, "answer to %s", buf);
    }, null, null, 0));
    sockets.client.write(clientFrames((p) => {
      p.send(WS_MSG_TEXT, "one");
      p.send(WS_MSG_TEXT, "two");
      p.close(1000, "bye");
    }));
    expect(yield* nextSignificant(peer)).toMatchObject({ kind: "message", data: "answer to one" });
    expect(yield* nextSignificant(peer)).toMatchObject({ kind: "message", data: "answer to two" });
    expect(yield* nextSignificant(peer)).toEqual({ kind: "close", code: 1000, reason: "" });
    expect(yield* task).toBe(0);
    expect(events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_MESSAGE, WS_EVENT_CLOSE]);
  }));

  it("sends the reply to a message that came before a protocol error, then closes with 1002", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server" });
    const peer = yield* useRawPeer(sockets.client);
    const release = withResolvers<void>();
    const busy = withResolvers<void>();
    const events: number[] = [];
    const task = yield* spawn(() => webSocketRun(ws, function* (w, event) {
      events.push(event);
      if (event !== WS_EVENT_MESSAGE) return;
      busy.resolve();
      yield* release.operation;
      yield* webSocketSendString(w, "answer to work");
    }, null, null, 0));
    sockets.client.write(clientFrames((p) => p.send(WS_MSG_TEXT, "work")));
    yield* busy.operation;
    sockets.client.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // unmasked text from a client: 1002
    release.resolve();
    expect(yield* nextSignificant(peer)).toMatchObject({ kind: "message", data: "answer to work" });
    expect(yield* nextSignificant(peer)).toMatchObject({ kind: "close", code: 1002 });
    expect(yield* task).toBe(-1002);
    expect(events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_ERROR, WS_EVENT_CLOSE]);
    expect(yield* nextSignificant(peer)).toEqual({ kind: "end" });
  }));

  it("keeps reading and discarding after a protocol error until the peer ends, so the peer reads the close, not a reset", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server", maxFrame: 1024 });
    const peer = yield* useRawPeer(sockets.client, { answer: false });
    const task = yield* spawn(() => webSocketRun(ws, () => {}, null, null, 0));
    let writeError: Error | undefined;
    sockets.client.on("error", (error) => (writeError = error));
    // A masked binary frame announcing 1 MiB: over maxFrame, so 1009 at its header. The peer
    // keeps sending the rest: the server must read and discard it, not reset the connection.
    sockets.client.write(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4]));
    for (let i = 0; i < 8; i++) sockets.client.write(Buffer.alloc(128 * 1024, i));
    expect(yield* nextSignificant(peer)).toMatchObject({ kind: "close", code: 1009 });
    expect(yield* nextSignificant(peer)).toEqual({ kind: "end" });
    expect(yield* task).toBe(-1009);
    // The peer's output went out whole (it ended after its last byte, on the server's end).
    expect(sockets.client.bytesWritten).toBe(14 + 8 * 128 * 1024);
    expect(writeError).toBeUndefined();
  }));

  it("does not count a refused close as the application's own: a later loss under the callback still ends with -1006", scopedTest(function* () {
    let refusal: unknown;
    const status = yield* sendAfterThePeerIsLost(function* (w) {
      try {
        yield* webSocketSendClose(w, 1005, "");
      } catch (error) {
        refusal = error;
      }
    });
    expect(refusal).toBeInstanceOf(RangeError);
    expect(status).toBe(-1006);
  }));

  it("fails a send with WebSocketClosedError when the peer dropped TCP under the callback, and ends with -1006", scopedTest(function* () {
    let sendError: unknown;
    const status = yield* sendAfterThePeerIsLost(undefined, (error) => (sendError = error));
    expect(status).toBe(-1006);
    expect(sendError).toBeInstanceOf(WebSocketClosedError);
    expect((sendError as Error).message).toMatch(/the connection was lost/);
  }));

  it("still rethrows a send after the callback's own close", scopedTest(function* () {
    const { server } = yield* useLoopbackPair();
    let error: unknown;
    try {
      yield* webSocketRun(server, function* (ws, event) {
        if (event !== WS_EVENT_OPEN) return;
        yield* webSocketSendClose(ws, 1000, "done");
        yield* webSocketSendString(ws, "after my own close");
      }, null, null, 0);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebSocketClosedError);
    expect((error as Error).message).toMatch(/closing \(close 1000 sent\)/);
  }));
});

describe("webSocketRun timeouts", () => {
  it("times out after the inactivity timeout, reset by every message received", scopedTest(function* () {
    const clock = yield* useTestClock();
    const { server, client } = yield* useLoopbackPair();
    const events: number[] = [];
    const task = yield* spawn(() => webSocketRun(server, (ws, event, buf, len, arg) => {
      events.push(event);
      return echo(ws, event, buf, len, arg);
    }, null, null, 1000));
    yield* clock.advance(600);
    yield* webSocketSend(client, "still here");
    yield* nextMessage(client);
    yield* clock.advance(600); // 1200: idle for 600 ms only
    expect(webSocketGetState(server)).toBe(WS_STATE_OPEN);
    yield* clock.advance(400); // 1600: idle for 1000 ms
    expect(yield* task).toBe(-1001);
    expect(events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_ERROR, WS_EVENT_CLOSE]);
    expect(webSocketGetErrorMessage(server)).toMatch(/timed out/);
  }));

  it("closes with 1011 and stops a callback that is still running when the inactivity timeout expires", scopedTest(function* () {
    const clock = yield* useTestClock();
    const { server, client } = yield* useLoopbackPair();
    const events: number[] = [];
    const busy = withResolvers<void>();
    let stoppedWith: unknown;
    const task = yield* spawn(() => webSocketRun(server, function* (_ws, event) {
      events.push(event);
      if (event !== WS_EVENT_MESSAGE) return;
      busy.resolve();
      try {
        yield* suspend();
      } catch (error) {
        stoppedWith = error;
        throw error;
      }
    }, null, null, 1000));
    yield* webSocketSend(client, "hang");
    yield* busy.operation;
    yield* clock.advance(1000);
    const end = yield* (yield* messages(client)).next();
    expect(end.done && end.value.code).toBe(1011);
    expect(yield* task).toBe(-1011);
    expect(stoppedWith).toBeInstanceOf(WebSocketClosedError);
    expect(events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_ERROR, WS_EVENT_CLOSE]);
    expect(webSocketGetErrorMessage(server)).toMatch(/handler did not finish within the inactivity timeout/);
  }));

  it("never times out with a timeout of 0", scopedTest(function* () {
    const clock = yield* useTestClock();
    const { server } = yield* useLoopbackPair();
    yield* spawn(() => webSocketRun(server, () => {}, null, null, 0));
    yield* clock.advance(24 * 3600 * 1000);
    expect(clock.pending).toBe(0);
    expect(webSocketGetState(server)).toBe(WS_STATE_OPEN);
  }));

  it("destroys the socket after the close timeout when the peer never answers the close", scopedTest(function* () {
    const { clock, sockets, peer, task } = yield* closeUnanswered(2000);
    yield* clock.advance(1999);
    expect(sockets.server.destroyed).toBe(false);
    yield* clock.advance(1);
    expect(yield* task).toBe(-1006);
    expect(sockets.server.destroyed).toBe(true);
    expect(yield* nextSignificant(peer)).toEqual({ kind: "end" });
  }));

  it("waits for the peer's close as long as it takes with a close timeout of 0", scopedTest(function* () {
    const { clock, sockets, peer, task } = yield* closeUnanswered(0);
    yield* clock.advance(24 * 3600 * 1000);
    expect(clock.pending).toBe(0);
    expect(sockets.server.destroyed).toBe(false);
    // The peer's protocol queued its answer when the close came (and `answer: false` dropped it).
    const answer: Buffer[] = [];
    encodeFrame(answer, WS_MSG_CLOSE, true, encodeClosePayload(1000), true);
    sockets.client.write(answer[0] as Buffer);
    expect(yield* task).toBe(0);
    expect(yield* nextSignificant(peer)).toEqual({ kind: "end" });
  }));

  it("pings after the ping period and closes with 1011 when no pong comes", scopedTest(function* () {
    const clock = yield* useTestClock();
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server", pingPeriod: 1000, pingTimeout: 500 });
    const peer = yield* useRawPeer(sockets.client, { answer: false });
    const task = yield* spawn(() => webSocketRun(ws, () => {}, null, null, 0));
    yield* clock.advance(1000);
    expect(yield* peer.next()).toMatchObject({ kind: "ping" });
    yield* clock.advance(500);
    expect(yield* peer.next()).toMatchObject({ kind: "close", code: 1011 });
    sockets.client.destroy();
    expect(yield* task).toBe(-1011);
  }));

  it("stays open while pings are answered", scopedTest(function* () {
    const clock = yield* useTestClock();
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server", pingPeriod: 1000, pingTimeout: 500 });
    const peer = yield* useRawPeer(sockets.client);
    yield* spawn(() => webSocketRun(ws, echo, null, null, 0));
    for (let round = 0; round < 3; round++) {
      // Idle for the ping period: 1000 ms since the last input (the previous round's echo).
      yield* clock.advance(round === 0 ? 1000 : 500);
      expect(yield* peer.next()).toMatchObject({ kind: "ping" });
      // The pong went out with the ping's arrival; an echo after it proves it was read.
      peer.protocol.send(WS_MSG_TEXT, `round ${round}`);
      peer.flush();
      expect(yield* peer.next()).toMatchObject({ kind: "message", data: `round ${round}` });
      yield* clock.advance(500); // the ping timeout has passed: the pong counted
      expect(webSocketGetState(ws)).toBe(WS_STATE_OPEN);
    }
  }));
});

describe("messages", () => {
  it("streams a server connection's messages and ends with the close code", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    const received: string[] = [];
    const consumer = yield* spawn(function* () {
      for (const message of yield* each(messages(server))) {
        received.push(message.data as string);
        yield* webSocketSend(server, "got %s", message.data);
        yield* each.next();
      }
    });
    yield* webSocketSend(client, "a");
    yield* webSocketSend(client, "b");
    expect((yield* nextMessage(client)).data).toBe("got a");
    expect((yield* nextMessage(client)).data).toBe("got b");
    yield* webSocketSendClose(client, 1000, "");
    yield* consumer;
    expect(received).toEqual(["a", "b"]);
  }));

  it("returns the negative of the peer's close code when it is not 1000", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    const run = yield* spawn(() => webSocketRun(server, () => {}, null, null, 0));
    yield* webSocketSendClose(client, 4000, "app done");
    expect(yield* run).toBe(-4000);
    expect(webSocketGetCloseReason(server)).toBe("app done");
  }));
});
