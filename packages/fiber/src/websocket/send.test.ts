import { describe, expect, it } from "vitest";
import { sleep, spawn, suspend, withResolvers } from "effection";
import { WS_MSG_BINARY, WS_MSG_CONT, WS_MSG_MORE, WS_MSG_TEXT, WS_STATUS_POLICY_VIOLATION } from "@fiberws/core";
import { nextMessage, scopedTest, useLoopbackPair, useLoopbackSockets, useTestClock } from "../testing/mod.js";
import { WebSocketClosedError } from "./closed-error.js";
import { useWebSocketConnection } from "./lifecycle.js";
import { messages } from "./messages.js";
import {
  webSocketSend,
  webSocketSendBlock,
  webSocketSendClose,
  webSocketSendJson,
  webSocketSendString,
} from "./send.js";
import { DrainTimeoutError } from "./socket.js";

describe("webSocketSend*", () => {
  it("formats like printf and returns the byte length", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    expect(yield* webSocketSend(server, "%s has %d items: %j", "cart", 2, { a: 1 })).toBe(25);
    expect((yield* nextMessage(client)).data).toBe('cart has 2 items: {"a":1}');
    expect(yield* webSocketSendString(server, "héllo")).toBe(6);
    expect((yield* nextMessage(client)).data).toBe("héllo");
  }));

  it("sends JSON, or only the property a key names", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    const telemetry = { type: "telemetry", reading: { temperature: 23, humidity: 65 } };
    yield* webSocketSendJson(server, telemetry);
    expect(JSON.parse((yield* nextMessage(client)).data as string)).toEqual(telemetry);
    yield* webSocketSendJson(server, telemetry, "reading");
    expect((yield* nextMessage(client)).data).toBe('{"temperature":23,"humidity":65}');
    yield* webSocketSendJson(server, telemetry, "reading.humidity");
    expect((yield* nextMessage(client)).data).toBe("65");
  }));

  it("refuses JSON for a key that names nothing", scopedTest(function* () {
    const { server } = yield* useLoopbackPair();
    let error: unknown;
    try {
      yield* webSocketSendJson(server, { a: 1 }, "b");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect(server.protocol.outgoingBytes).toBe(0);
  }));

  it("sends a block each time the same send operation is run, truncated to len", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    const send = webSocketSendBlock(server, WS_MSG_TEXT, "again and again", 5);
    expect(yield* send).toBe(5);
    expect(yield* send).toBe(5);
    expect((yield* nextMessage(client)).data).toBe("again");
    expect((yield* nextMessage(client)).data).toBe("again");
  }));

  it("cuts text before a character that len would split, so the peer gets valid UTF-8", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    // "h" is 1 byte, "é" 2, "€" 3 and "😀" 4: 2 bytes would split "é", 5 would split "€".
    expect(yield* webSocketSendBlock(server, WS_MSG_TEXT, "héllo", 2)).toBe(1);
    expect(yield* webSocketSendBlock(server, WS_MSG_TEXT, "h€llo", 3)).toBe(1);
    expect(yield* webSocketSendBlock(server, WS_MSG_TEXT, "😀!", 4)).toBe(4);
    expect(yield* webSocketSendBlock(server, WS_MSG_TEXT, "😀!", 3)).toBe(0);
    expect((yield* nextMessage(client)).data).toBe("h");
    expect((yield* nextMessage(client)).data).toBe("h");
    expect((yield* nextMessage(client)).data).toBe("😀");
    expect((yield* nextMessage(client)).data).toBe("");
  }));

  it("streams one message in pieces with WS_MSG_MORE, and sends only len bytes", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    yield* webSocketSendBlock(server, WS_MSG_BINARY | WS_MSG_MORE, Buffer.from([1, 2]));
    yield* webSocketSendBlock(server, WS_MSG_CONT | WS_MSG_MORE, Buffer.from([3]));
    expect(yield* webSocketSendBlock(server, WS_MSG_CONT, Buffer.from([4, 5, 6]), 1)).toBe(1);
    const message = yield* nextMessage(client);
    expect(message.type).toBe(WS_MSG_BINARY);
    expect(message.data).toEqual(Buffer.from([1, 2, 3, 4]));
  }));

  it("never interleaves another task's message with a streamed one", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    yield* webSocketSendBlock(server, WS_MSG_TEXT | WS_MSG_MORE, "one ");
    const other = yield* spawn(() => webSocketSendString(server, "two"));
    yield* sleep(5);
    yield* webSocketSendBlock(server, WS_MSG_TEXT, "piece");
    yield* other;
    expect((yield* nextMessage(client)).data).toBe("one piece");
    expect((yield* nextMessage(client)).data).toBe("two");
  }));

  it("fails the connection with 1011 and frees waiting senders when a task is halted partway through a streamed message", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    const started = withResolvers<void>();
    const streamer = yield* spawn(function* () {
      yield* webSocketSendBlock(server, WS_MSG_TEXT | WS_MSG_MORE, "half a mess");
      started.resolve();
      yield* suspend();
    });
    yield* started.operation;
    const other = yield* spawn(function* () {
      try {
        yield* webSocketSendString(server, "waiting my turn");
        return undefined;
      } catch (error) {
        return error;
      }
    });
    yield* sleep(5);
    yield* streamer.halt();
    expect(yield* other).toBeInstanceOf(WebSocketClosedError);
    const end = yield* (yield* messages(client)).next();
    expect(end).toEqual({ done: true, value: { code: 1011, reason: "a message streamed with WS_MSG_MORE was left unfinished by its task" } });
    expect(server.protocol.closeSent?.code).toBe(1011);
  }));

  it("releases the stream when its task finishes the message, and keeps the connection open", scopedTest(function* () {
    const { server, client } = yield* useLoopbackPair();
    yield* (yield* spawn(function* () {
      yield* webSocketSendBlock(server, WS_MSG_TEXT | WS_MSG_MORE, "whole ");
      yield* webSocketSendBlock(server, WS_MSG_CONT, "message");
    }));
    yield* webSocketSendString(server, "next");
    expect((yield* nextMessage(client)).data).toBe("whole message");
    expect((yield* nextMessage(client)).data).toBe("next");
    expect(server.closing).toBe(false);
  }));

  it("fails with a clear error and writes nothing once a close was sent", scopedTest(function* () {
    const { server } = yield* useLoopbackPair();
    yield* webSocketSendClose(server, 1000, "done");
    const written = server.channel.socket.bytesWritten;
    let error: unknown;
    try {
      yield* webSocketSendString(server, "too late");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebSocketClosedError);
    expect((error as Error).message).toMatch(/cannot send .*closing \(close 1000 sent\)/);
    expect(server.protocol.outgoingBytes).toBe(0);
    expect(server.channel.socket.bytesWritten).toBe(written);
  }));

  it("suspends the sender while the peer does not read, with memory bounded", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server", closeTimeout: 100 });
    sockets.client.pause();
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    yield* spawn(function* () {
      for (;;) {
        yield* webSocketSendBlock(ws, WS_MSG_BINARY, chunk);
        sent++;
      }
    });
    let before = -1;
    while (sent !== before) {
      before = sent;
      yield* sleep(50);
    }
    // The kernel's buffers fill, then the sender waits: only one message above the mark.
    const socket = sockets.server;
    expect(socket.writableLength).toBeLessThanOrEqual(socket.writableHighWaterMark + chunk.length + 16);
    expect(sent * chunk.length).toBeLessThan(64 * 1024 * 1024);
    sockets.client.resume();
    yield* sleep(50);
    expect(sent).toBeGreaterThan(before);
  }));

  it("closes with 1008 when a send waits longer than the send timeout", scopedTest(function* () {
    const clock = yield* useTestClock();
    const sockets = yield* useLoopbackSockets();
    const ws = yield* useWebSocketConnection(sockets.server, { role: "server", sendTimeout: 1000, closeTimeout: 100 });
    sockets.client.pause();
    const huge = Buffer.alloc(32 * 1024 * 1024);
    ws.protocol.maxFrame = Infinity;
    const sender = yield* spawn(function* () {
      try {
        yield* webSocketSendBlock(ws, WS_MSG_BINARY, huge);
        return undefined;
      } catch (error) {
        return error;
      }
    });
    yield* clock.advance(999);
    expect(ws.closing).toBe(false);
    yield* clock.advance(1);
    expect(yield* sender).toBeInstanceOf(DrainTimeoutError);
    expect(ws.protocol.closeSent?.code).toBe(WS_STATUS_POLICY_VIOLATION);
    expect(ws.failureCode).toBe(WS_STATUS_POLICY_VIOLATION);
    sockets.client.destroy(); // the close wait runs on the test clock: end it here
  }));
});
