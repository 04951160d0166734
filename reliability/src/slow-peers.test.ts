import { afterEach, describe, expect, it } from "vitest";
import { sleep } from "effection";
import { WebSocket as WsClient } from "ws";
import { WS_EVENT_MESSAGE, WS_EVENT_OPEN, WS_MSG_BINARY } from "@fiberws/core";
import { DrainTimeoutError, webSocketRun, webSocketSendBlock, type WebSocket } from "@fiberws/fiber";
import type { WebAction } from "@fiberws/server";
import { startLiveServer, type LiveServer } from "./live-server.js";
import { RawClient } from "./raw-client.js";

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const running: LiveServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
});

/** What the flooding action saw: messages sent, its connection, how it ended. */
interface SenderStats {
  sent: number;
  ws: WebSocket | undefined;
  timedOut: boolean;
  result: number | undefined;
}

/** Bytes a connection holds in user space for the peer: queued frames plus the socket's buffer. */
const buffered = (ws: WebSocket): number => ws.protocol.outgoingBytes + ws.channel.writableLength;

/** An action that sends `size`-byte messages for as long as it can, counting them. */
function sender(stats: SenderStats, size: number): WebAction {
  const chunk = Buffer.alloc(size, 0x5a);
  return function* (web) {
    if (web.kind !== "websocket") return;
    stats.result = yield* webSocketRun(
      web.webSocket,
      function* (ws, event) {
        if (event !== WS_EVENT_OPEN) return;
        stats.ws = ws;
        try {
          for (;;) {
            yield* webSocketSendBlock(ws, WS_MSG_BINARY, chunk);
            stats.sent++;
          }
        } catch (error) {
          if (!(error instanceof DrainTimeoutError)) throw error;
          stats.timedOut = true;
        }
      },
      null,
      web.buf,
      0,
    );
  };
}

describe("a client that never reads", () => {
  it("suspends the sender with bounded buffering, and the send timeout closes it with 1008", async () => {
    const SIZE = 64 * 1024;
    const stats: SenderStats = { sent: 0, ws: undefined, timedOut: false, result: undefined };
    const server = await startLiveServer({ timeouts: { send: 800, close: 2000 }, actions: { "/flood/": sender(stats, SIZE) } });
    running.push(server);
    const client = await RawClient.upgrade(server.port, "/flood/");
    client.socket.pause();
    const heapBefore = process.memoryUsage();
    let maxBuffered = 0;
    const sampler = setInterval(() => {
      if (stats.ws) maxBuffered = Math.max(maxBuffered, buffered(stats.ws));
    }, 5);
    await pause(400);
    const sentAtStall = stats.sent;
    await pause(300);
    clearInterval(sampler);
    // Suspended: nothing more was sent while the client did not read.
    expect(stats.sent).toBe(sentAtStall);
    const heapAfter = process.memoryUsage();
    console.log(
      `non-reading client: ${stats.sent} messages of ${SIZE} B sent before the sender suspended; ` +
        `at most ${maxBuffered} B buffered in user space; ` +
        `external+arrayBuffers grew ${((heapAfter.external - heapBefore.external) / 1e6).toFixed(1)} MB`,
    );
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(client.socket.writableHighWaterMark + 2 * SIZE);
    await pause(400);
    expect(stats.timedOut).toBe(true);
    client.socket.resume();
    const { close, malformed } = await client.closed(5000);
    expect(malformed).toBeUndefined();
    expect(close?.code).toBe(1008);
    for (let waited = 0; stats.result === undefined && waited < 2000; waited += 20) await pause(20);
    expect(stats.result).toBe(-1008);
  });
});

describe("a client that floods faster than the handler consumes", () => {
  it("is paused by the server, which reads a bounded amount, and every message still arrives in order", async () => {
    const received: number[] = [];
    let slow = true;
    const consumer: WebAction = function* (web) {
      if (web.kind !== "websocket") return;
      yield* webSocketRun(
        web.webSocket,
        function* (_ws, event, buf) {
          if (event !== WS_EVENT_MESSAGE || !Buffer.isBuffer(buf)) return;
          received.push(buf.readUInt32BE(0));
          if (slow) yield* sleep(20);
        },
        null,
        web.buf,
        0,
      );
    };
    let serverSocketRead = (): number => 0;
    const server = await startLiveServer({
      actions: {
        "/slow/": function* (web) {
          if (web.kind === "websocket") serverSocketRead = () => web.webSocket.channel.socket.bytesRead;
          yield* consumer(web);
        },
      },
    });
    running.push(server);
    const client = new WsClient(server.socketUrl("/slow/"));
    await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
    const MESSAGES = 1000;
    const payload = Buffer.alloc(16 * 1024);
    for (let i = 0; i < MESSAGES; i++) {
      const message = Buffer.from(payload);
      message.writeUInt32BE(i, 0);
      client.send(message);
    }
    await pause(600);
    const read = serverSocketRead();
    console.log(`flooding client: wrote ${(MESSAGES * payload.length) / 1e6} MB; the server had read ${(read / 1e6).toFixed(2)} MB, handled ${received.length} messages`);
    // The server stopped reading: most of the flood waits in the client and the kernel.
    expect(read).toBeLessThan(MESSAGES * payload.length / 2);
    expect(client.bufferedAmount).toBeGreaterThan(0);
    slow = false;
    const deadline = Date.now() + 10_000;
    while (received.length < MESSAGES && Date.now() < deadline) await pause(20);
    expect(received).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
    client.close(1000);
  });
});

describe("limits.connections", () => {
  it("refuses the next connection with 503 while the existing ones keep working", async () => {
    const server = await startLiveServer({ limits: { connections: 3 } });
    running.push(server);
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.upgrade(server.port, "/echo/")));
    const extra = await RawClient.connect(server.port);
    extra.write("GET /echo/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    expect((await extra.response()).status).toBe(503);
    await extra.closed();
    for (const [i, client] of clients.entries()) {
      client.sendFrame(1, `still served ${i}`);
      expect(await client.nextMessage()).toEqual({ kind: "text", data: `still served ${i}` });
    }
    // A slot freed is a slot taken.
    const first = clients.shift();
    first?.sendClose(1000);
    await first?.closed();
    const next = await RawClient.upgrade(server.port, "/echo/");
    next.sendFrame(1, "admitted");
    expect(await next.nextMessage()).toEqual({ kind: "text", data: "admitted" });
    for (const client of [...clients, next]) client.destroy();
  });
});
