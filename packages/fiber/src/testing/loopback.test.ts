import { describe, expect, it } from "vitest";
import { scoped, spawn } from "effection";
import { WS_EVENT_MESSAGE } from "@fiberws/core";
import { webSocketRun } from "../websocket/run.js";
import { webSocketSend } from "../websocket/send.js";
import { nextMessage, scopedTest, useLoopbackPair } from "./mod.js";

describe("useLoopbackPair", () => {
  it("drives a handler through real sockets and releases both when the scope ends", scopedTest(function* () {
    const pair = yield* scoped(function* () {
      const { server, client } = yield* useLoopbackPair();
      yield* spawn(() => webSocketRun(server, function* (ws, event, buf) {
        if (event === WS_EVENT_MESSAGE) yield* webSocketSend(ws, "echo: %s", buf);
      }, null, null, 0));
      yield* webSocketSend(client, "hello");
      expect((yield* nextMessage(client)).data).toBe("echo: hello");
      return { server, client };
    });
    expect(pair.server.channel.socket.destroyed).toBe(true);
    expect(pair.client.channel.socket.destroyed).toBe(true);
    expect(pair.client.closeStatus).toBe(1001);
  }));
});
