import { describe, expect, it } from "vitest";
import type { IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { action, each, resource, scoped, spawn, type Operation } from "effection";
import { WS_EVENT_CLOSE, WS_EVENT_MESSAGE, WS_EVENT_OPEN, WS_MSG_BINARY } from "@fiberws/core";
import { scopedTest } from "../testing/mod.js";
import { useWebSocket, urlWebSocket } from "./client.js";
import { messages } from "./messages.js";
import { webSocketSend, webSocketSendBlock, webSocketSendClose } from "./send.js";
import { webSocketGetProtocol } from "./accessors.js";
import { TEST_CERT, TEST_KEY } from "./tls-fixture.test-helpers.js";

interface EchoServer {
  url: string;
  requests: IncomingMessage[];
  closes: { code: number; reason: string }[];
}

/**
 * A `ws` echo server that records upgrade requests and the close codes it receives; over TLS
 * (wss:, with the test certificate) when `secure`.
 */
function useWsEchoServer(refuse = false, secure = false): Operation<EchoServer> {
  return resource(function* (provide) {
    const https = secure ? createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }) : undefined;
    const server = new WebSocketServer({
      ...(https ? { server: https } : { host: "127.0.0.1", port: 0 }),
      handleProtocols: (offered) => offered.values().next().value ?? false,
      verifyClient: () => !refuse,
    });
    const state: EchoServer = { url: "", requests: [], closes: [] };
    server.on("connection", (socket, request) => {
      state.requests.push(request);
      socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
      socket.on("close", (code, reason) => state.closes.push({ code, reason: reason.toString() }));
    });
    yield* action<void>((resolve) => {
      if (https) https.listen(0, "127.0.0.1", () => resolve());
      else server.once("listening", () => resolve());
      return () => {};
    });
    const port = ((https ?? server).address() as AddressInfo).port;
    state.url = `${secure ? "wss" : "ws"}://127.0.0.1:${port}/echo`;
    try {
      yield* provide(state);
    } finally {
      for (const client of server.clients) client.terminate();
      server.close();
      https?.close();
    }
  });
}

/** Wait (polling briefly) until `done()` holds. */
function waitFor(done: () => boolean): Operation<void> {
  return action<void>((resolve) => {
    const poll = setInterval(() => done() && resolve(), 2);
    return () => clearInterval(poll);
  });
}

/** The message of the error `operation` fails with. */
function* failure(operation: Operation<unknown>): Operation<string> {
  try {
    yield* operation;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the operation to fail");
}

describe("useWebSocket", () => {
  it("opens, echoes text and binary through the messages stream, and closes with 1000 when its scope ends", scopedTest(function* () {
    const echo = yield* useWsEchoServer();
    yield* spawn(function* () {
      const ws = yield* useWebSocket(echo.url, { protocols: ["chat", "superchat"], headers: { "X-Token": "secret" } });
      expect(webSocketGetProtocol(ws)).toBe("chat");
      yield* webSocketSend(ws, "hello");
      yield* webSocketSendBlock(ws, WS_MSG_BINARY, Buffer.from([1, 2]));
      const received: (string | Buffer)[] = [];
      for (const message of yield* each(messages(ws))) {
        received.push(message.data);
        if (received.length === 2) break;
        yield* each.next();
      }
      expect(received).toEqual(["hello", Buffer.from([1, 2])]);
    });
    yield* waitFor(() => echo.closes.length > 0);
    expect(echo.closes).toEqual([{ code: 1000, reason: "" }]);
    expect(echo.requests[0]?.headers["x-token"]).toBe("secret");
    expect(echo.requests[0]?.headers["sec-websocket-protocol"]).toBe("chat, superchat");
  }));

  it("fails with the server's status when it refuses the upgrade", scopedTest(function* () {
    const refusing = yield* useWsEchoServer(true);
    expect(yield* failure(useWebSocket(refusing.url))).toMatch(/answered 401/);
  }));

  it("fails when nothing listens", scopedTest(function* () {
    expect(yield* failure(useWebSocket("ws://127.0.0.1:1/"))).toMatch(/127\.0\.0\.1:1/);
  }));

  it("talks to a wss: server over TLS, trusting the certificate given in tls.ca", scopedTest(function* () {
    const echo = yield* useWsEchoServer(false, true);
    yield* scoped(function* () {
      const ws = yield* useWebSocket(echo.url, { tls: { ca: TEST_CERT } });
      yield* webSocketSend(ws, "over tls");
      for (const message of yield* each(messages(ws))) {
        expect(message.data).toBe("over tls");
        break;
      }
    });
    yield* waitFor(() => echo.closes.length > 0);
    expect(echo.closes).toEqual([{ code: 1000, reason: "" }]);
  }));

  it("refuses a wss: server whose certificate it does not trust", scopedTest(function* () {
    const echo = yield* useWsEchoServer(false, true);
    expect(yield* failure(useWebSocket(echo.url))).toMatch(/self[- ]signed certificate/);
    expect(echo.requests).toHaveLength(0);
  }));
});

describe("urlWebSocket", () => {
  it("runs a callback over a client connection, with headers given as lines", scopedTest(function* () {
    const echo = yield* useWsEchoServer();
    const events: number[] = [];
    const replies: unknown[] = [];
    const status = yield* urlWebSocket(echo.url, function* (ws, event, buf) {
      events.push(event);
      if (event === WS_EVENT_OPEN) yield* webSocketSend(ws, "ping %d", 1);
      if (event === WS_EVENT_MESSAGE) {
        replies.push(buf);
        yield* webSocketSendClose(ws, 1000, "thanks");
      }
    }, null, "Origin: http://example.test\r\nSec-WebSocket-Protocol: chat");
    expect(status).toBe(0);
    expect(replies).toEqual(["ping 1"]);
    expect(events).toEqual([WS_EVENT_OPEN, WS_EVENT_MESSAGE, WS_EVENT_CLOSE]);
    expect(echo.requests[0]?.headers.origin).toBe("http://example.test");
    expect(echo.requests[0]?.headers["sec-websocket-protocol"]).toBe("chat");
    yield* waitFor(() => echo.closes.length > 0);
    expect(echo.closes).toEqual([{ code: 1000, reason: "thanks" }]);
  }));
});
