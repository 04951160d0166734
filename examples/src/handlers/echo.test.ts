import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openClient, startExampleServer, type RunningServer } from "../example-server.test-helpers.js";
import { ECHO_LIMIT } from "./echo.js";

describe("/echo/: an exact echo", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startExampleServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("sends text back as the same text", async () => {
    const client = await openClient(server.socketUrl("/echo/"));
    client.socket.send("héllo, wörld ✓");
    client.socket.send("");
    expect(await client.next()).toBe("héllo, wörld ✓");
    expect(await client.next()).toBe("");
    client.socket.close(1000);
    await client.closed;
  });

  it("sends binary back as the same bytes, still binary", async () => {
    const client = await openClient(server.socketUrl("/echo/"));
    const bytes = Buffer.from([0, 1, 2, 254, 255, 0x80]);
    client.socket.send(bytes);
    const reply = await client.next();
    expect(Buffer.isBuffer(reply)).toBe(true);
    expect(reply).toEqual(bytes);
    client.socket.close(1000);
    await client.closed;
  });

  it("reassembles a fragmented message and echoes it whole", async () => {
    const client = await openClient(server.socketUrl("/echo/"));
    client.socket.send("frag", { fin: false });
    client.socket.send("men", { fin: false });
    client.socket.send("ted", { fin: true });
    expect(await client.next()).toBe("fragmented");
    client.socket.close(1000);
    await client.closed;
  });

  it("echoes a 16 MiB message sent in one frame", async () => {
    const client = await openClient(server.socketUrl("/echo/"));
    client.socket.binaryType = "nodebuffer";
    const big = Buffer.alloc(ECHO_LIMIT, 7);
    big[ECHO_LIMIT - 1] = 9;
    client.socket.send(big);
    const reply = await client.next();
    expect(Buffer.isBuffer(reply) && reply.equals(big)).toBe(true);
    client.socket.close(1000);
    await client.closed;
  });

  it("closes with 1009 when a message exceeds 16 MiB", async () => {
    const client = await openClient(server.socketUrl("/echo/"));
    client.socket.send(Buffer.alloc(ECHO_LIMIT + 1));
    expect((await client.closed).code).toBe(1009);
  });
});
