import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { run, resource, type Operation } from "effection";
import { WebSocketServer } from "ws";
import { WS_MSG_BINARY, WS_MSG_TEXT } from "@fiberws/core";
import { useListening } from "../servers/listen.js";
import { useRawEchoServer } from "../servers/raw-echo.js";
import { useWsEchoServer } from "../servers/ws-echo.js";
import { LatencyHistogram } from "../stats.js";
import { checkUpgradeResponse, EchoConnection, type EchoCounters } from "./echo-connection.js";
import { FrameTrain, makeEchoMessages } from "./frames.js";

const HOST = "127.0.0.1";

/** A ws server that echoes, except that it flips one bit of the payload of echo number `bad`. */
function useCorruptingServer(bad: number): Operation<number> {
  return resource(function* (provide) {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on("connection", (ws) => {
      let count = 0;
      ws.on("message", (data: Buffer, isBinary) => {
        if (count++ === bad) data[data.length - 1] ^= 0x01;
        ws.send(data, { binary: isBinary });
      });
    });
    try {
      yield* provide(yield* useListening(http, 0, HOST));
    } finally {
      wss.close();
    }
  });
}

function* echoAndClose(port: number, train: FrameTrain, counters: EchoCounters, total: number): Operation<number> {
  const connection = new EchoConnection({ host: HOST, port, path: "/" }, train, counters);
  try {
    yield* connection.upgraded;
    connection.run(4, total);
    yield* connection.drained;
    yield* connection.close();
    return connection.echoes;
  } finally {
    connection.destroy();
  }
}

/** Open a connection to `port` and wait for its upgrade; it is destroyed either way. */
function* upgradeOnly(port: number): Operation<void> {
  const connection = new EchoConnection({ host: HOST, port, path: "/" }, new FrameTrain(makeEchoMessages(WS_MSG_TEXT, 1, 1)));
  try {
    yield* connection.upgraded;
  } finally {
    connection.destroy();
  }
}

function newCounters(): EchoCounters {
  return { recording: true, echoes: 0, bytes: 0, latency: new LatencyHistogram() };
}

describe("EchoConnection", () => {
  it("gets every message back from the ws echo server, checked, then closes cleanly", async () => {
    const counters = newCounters();
    const echoes = await run(function* () {
      const port = yield* useWsEchoServer(0, HOST);
      return yield* echoAndClose(port, new FrameTrain(makeEchoMessages(WS_MSG_TEXT, 64, 4)), counters, 25);
    });
    expect(echoes).toBe(25);
    expect(counters.echoes).toBe(25);
    expect(counters.bytes).toBe(25 * 64);
    expect(counters.latency.count).toBe(25);
  });

  it("checks large binary echoes from the raw echo, which sends our masked frames back", async () => {
    const counters = newCounters();
    const echoes = await run(function* () {
      const port = yield* useRawEchoServer(0, HOST);
      return yield* echoAndClose(port, new FrameTrain(makeEchoMessages(WS_MSG_BINARY, 200_000, 4)), counters, 6);
    });
    expect(echoes).toBe(6);
    expect(counters.bytes).toBe(6 * 200_000);
  });

  it("fails the run when a server corrupts one byte of one echo", async () => {
    const attempt = run(function* () {
      const port = yield* useCorruptingServer(5);
      return yield* echoAndClose(port, new FrameTrain(makeEchoMessages(WS_MSG_TEXT, 64, 4)), newCounters(), 10);
    });
    await expect(attempt).rejects.toThrow("echo 5: byte 63 differs from what was sent");
  });

  it("fails the upgrade when nothing speaks WebSocket on the port", async () => {
    const attempt = run(function* () {
      const http = createServer((_request, response) => response.end("no"));
      const port = yield* useListening(http, 0, HOST);
      yield* upgradeOnly(port);
    });
    await expect(attempt).rejects.toThrow(/upgrade refused: HTTP\/1.1 200/);
  });

  it("fails the upgrade when the server's Sec-WebSocket-Accept does not answer the key sent", async () => {
    const attempt = run(function* () {
      const http = createServer();
      http.on("upgrade", (_request, socket) => {
        socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
      });
      const port = yield* useListening(http, 0, HOST);
      yield* upgradeOnly(port);
    });
    await expect(attempt).rejects.toThrow("upgrade response with a wrong Sec-WebSocket-Accept");
  });

  it("reads the accept value of a 101 response, in any letter case", () => {
    const head = "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nSEC-WEBSOCKET-ACCEPT: abc=";
    expect(checkUpgradeResponse(head, "abc=")).toBeUndefined();
    expect(checkUpgradeResponse(head, "abd=")).toBe("upgrade response with a wrong Sec-WebSocket-Accept");
    expect(checkUpgradeResponse("HTTP/1.1 101 Switching Protocols", "abc=")).toBe("upgrade response without Sec-WebSocket-Accept");
  });
});
