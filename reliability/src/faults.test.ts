import { afterEach, describe, expect, it } from "vitest";
import { suspend } from "effection";
import { WebSocket as WsClient } from "ws";
import { WS_EVENT_CLOSE, WS_EVENT_MESSAGE, WS_STATUS_OK } from "@fiberws/core";
import { setLogDestination, webSocketGetCloseStatus, webSocketRun, webSocketSendClose } from "@fiberws/fiber";
import type { WebAction } from "@fiberws/server";
import { encodeClientFrame, OPCODE } from "./frames.js";
import { startLiveServer, type LiveServer } from "./live-server.js";
import { RawClient, upgradeRequest } from "./raw-client.js";

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const running: LiveServer[] = [];
const logged: string[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
  setLogDestination("stdout");
  logged.length = 0;
});

/** One connection as the server saw it: the messages, each WS_EVENT_CLOSE's status, what webSocketRun returned. */
interface Seen {
  messages: string[];
  closes: number[];
  result: number | undefined;
}

/**
 * An action that records what its connection sees; on the message "close-me" it closes with 1000
 * and waits for the peer's answer.
 */
function recorder(seen: Seen[]): WebAction {
  return function* (web) {
    if (web.kind !== "websocket") return;
    const record: Seen = { messages: [], closes: [], result: undefined };
    seen.push(record);
    record.result = yield* webSocketRun(
      web.webSocket,
      function* (ws, event, buf) {
        if (event === WS_EVENT_MESSAGE) {
          record.messages.push(String(buf));
          if (buf === "close-me") yield* webSocketSendClose(ws, WS_STATUS_OK, "bye");
        }
        if (event === WS_EVENT_CLOSE) record.closes.push(webSocketGetCloseStatus(ws));
      },
      null,
      web.buf,
      0,
    );
  };
}

/** Wait until `check` holds, polling every 10 ms, for at most `timeout` ms. */
async function until(check: () => boolean, timeout = 3000): Promise<void> {
  for (const end = Date.now() + timeout; !check() && Date.now() < end; ) await pause(10);
}

async function recordingServer(): Promise<{ server: LiveServer; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await startLiveServer({ timeouts: { close: 1000 }, actions: { "/rec/": recorder(seen) } });
  running.push(server);
  return { server, seen };
}

describe("peers that reset the TCP connection", () => {
  it("mid-frame: the task ends, WS_EVENT_CLOSE fires once with 1006, nothing stays open", async () => {
    const { server, seen } = await recordingServer();
    const client = await RawClient.upgrade(server.port, "/rec/");
    client.sendFrame(OPCODE.TEXT, "whole");
    client.write(encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from("cut off here") }).subarray(0, 9));
    await until(() => seen[0]?.messages.length === 1);
    client.reset();
    await until(() => seen[0]?.result !== undefined);
    expect(seen[0]).toEqual({ messages: ["whole"], closes: [1006], result: -1006 });
    await until(() => server.service.connections() === 0);
    expect(server.service.connections()).toBe(0);
  });

  it("mid-handshake: no task starts and nothing stays open", async () => {
    const { server, seen } = await recordingServer();
    const client = await RawClient.connect(server.port);
    client.write(upgradeRequest("/rec/").slice(0, 40));
    await pause(50);
    client.reset();
    await until(() => server.service.connections() === 0);
    expect(server.service.connections()).toBe(0);
    expect(seen).toEqual([]);
  });

  it("mid-close: the server's close is answered by a reset, WS_EVENT_CLOSE fires once with 1006", async () => {
    const { server, seen } = await recordingServer();
    const client = await RawClient.upgrade(server.port, "/rec/");
    client.sendFrame(OPCODE.TEXT, "close-me");
    expect(await client.nextMessage()).toEqual({ kind: "close", code: 1000, reason: "bye" });
    client.reset();
    await until(() => seen[0]?.result !== undefined);
    expect(seen[0]).toEqual({ messages: ["close-me"], closes: [1006], result: -1006 });
    await until(() => server.service.connections() === 0);
    expect(server.service.connections()).toBe(0);
  });
});

describe("nothing received is lost", () => {
  it("delivers every message that arrived before the peer's close, even in the same packet", async () => {
    const { server, seen } = await recordingServer();
    const frames = ["one", "two", "three"].map((text) => encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from(text) }));
    const close = encodeClientFrame({ opcode: OPCODE.CLOSE, payload: Buffer.from([0x03, 0xe8]) });
    const client = await RawClient.upgrade(server.port, "/rec/", Buffer.concat([...frames, close]));
    expect((await client.closed()).close?.code).toBe(1000);
    await until(() => seen[0]?.result !== undefined);
    expect(seen[0]).toEqual({ messages: ["one", "two", "three"], closes: [1000], result: 0 });
  });
});

describe("failing actions", () => {
  it("closes only the connection whose action threw, with 1011, logs it once, and keeps serving", async () => {
    setLogDestination((line) => logged.push(line));
    const server = await startLiveServer({
      actions: {
        "/throws/": function* (web) {
          if (web.kind !== "websocket") return;
          yield* webSocketRun(
            web.webSocket,
            (_ws, event) => {
              if (event === WS_EVENT_MESSAGE) throw new Error("the action broke");
            },
            null,
            web.buf,
            0,
          );
        },
      },
    });
    running.push(server);
    const bystander = await RawClient.upgrade(server.port, "/echo/");
    const victim = await RawClient.upgrade(server.port, "/throws/");
    victim.sendFrame(OPCODE.TEXT, "boom");
    expect(await victim.nextMessage()).toMatchObject({ kind: "close", code: 1011 });
    victim.sendClose(1011);
    await victim.closed();
    bystander.sendFrame(OPCODE.TEXT, "unaffected");
    expect(await bystander.nextMessage()).toEqual({ kind: "text", data: "unaffected" });
    await until(() => logged.some((line) => line.includes("the action broke")));
    expect(logged.filter((line) => line.includes("the action broke"))).toHaveLength(1);
    bystander.destroy();
  });

  it("closes a connection whose handler hangs once its inactivity timeout passes, and keeps serving the others", async () => {
    const server = await startLiveServer({
      timeouts: { close: 300 },
      actions: {
        "/hangs/": function* (web) {
          if (web.kind !== "websocket") return;
          yield* webSocketRun(
            web.webSocket,
            function* (_ws, event) {
              if (event === WS_EVENT_MESSAGE) yield* suspend();
            },
            null,
            web.buf,
            300,
          );
        },
      },
    });
    running.push(server);
    const stuck = new WsClient(server.socketUrl("/hangs/"));
    await new Promise((resolve, reject) => stuck.once("open", resolve).once("error", reject));
    const closed = new Promise<number>((resolve) => stuck.once("close", (code: number) => resolve(code)));
    stuck.send("hang");
    const bystander = await RawClient.upgrade(server.port, "/echo/");
    const started = Date.now();
    const code = await closed;
    expect(Date.now() - started).toBeLessThan(2000);
    expect([1001, 1011]).toContain(code);
    bystander.sendFrame(OPCODE.TEXT, "unaffected");
    expect(await bystander.nextMessage()).toEqual({ kind: "text", data: "unaffected" });
    bystander.destroy();
  });
});
