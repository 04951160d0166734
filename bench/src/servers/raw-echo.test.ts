import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { action, run } from "effection";
import { WebSocket } from "ws";
import { useRawEchoServer } from "./raw-echo.js";

describe("the raw echo", () => {
  it("completes the opening handshake of a ws client with a valid accept key", async () => {
    const protocolSeen = await run(function* () {
      const port = yield* useRawEchoServer(0, "127.0.0.1");
      return yield* action<string>((resolve, reject) => {
        const client = new WebSocket(`ws://127.0.0.1:${port}/`);
        client.once("open", () => resolve(client.protocol));
        client.once("error", reject);
        return () => client.terminate();
      });
    });
    expect(protocolSeen).toBe("");
  });

  it("answers a request without a key with 400", async () => {
    const response = await run(function* () {
      const port = yield* useRawEchoServer(0, "127.0.0.1");
      return yield* action<string>((resolve, reject) => {
        let text = "";
        const socket = connect({ host: "127.0.0.1", port }, () =>
          socket.write("GET / HTTP/1.1\r\nHost: here\r\nUpgrade: websocket\r\n\r\n"),
        );
        socket.setEncoding("latin1");
        socket.on("data", (chunk: string) => (text += chunk));
        socket.once("end", () => resolve(text));
        socket.once("error", reject);
        return () => socket.destroy();
      });
    });
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
  });
});
