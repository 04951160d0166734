import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setLogDestination, setLogLevel } from "@fiberws/fiber";
import { openClient, startExampleServer, type RunningServer } from "../example-server.test-helpers.js";

describe("/ws/: the seed's handler", () => {
  let server: RunningServer;
  const logged: string[] = [];
  beforeAll(async () => {
    server = await startExampleServer();
    setLogLevel("info");
    setLogDestination((line) => logged.push(line));
  });
  afterEach(() => {
    logged.length = 0;
  });
  afterAll(async () => {
    await server.stop();
    setLogDestination("stdout");
  });

  it("answers each message with `echo: <message>`", async () => {
    const client = await openClient(server.socketUrl("/ws/"));
    client.socket.send("hello");
    client.socket.send("fibers");
    expect(await client.next()).toBe("echo: hello");
    expect(await client.next()).toBe("echo: fibers");
    client.socket.close(1000);
    expect((await client.closed).code).toBe(1000);
  });

  it("logs when a client connects and when it disconnects, with the reason", async () => {
    const client = await openClient(server.socketUrl("/ws/"));
    client.socket.send("ping");
    await client.next();
    client.socket.close(1000, "done here");
    await client.closed;
    await expect.poll(() => logged.join("")).toMatch(/INFO +ws: Client disconnected: done here/);
    expect(logged.join("")).toMatch(/INFO +ws: Client connected/);
  });

  it("refuses a plain HTTP request with 426 Upgrade Required", async () => {
    const response = await fetch(`${server.url}/ws/`);
    expect(response.status).toBe(426);
    expect(response.headers.get("upgrade")).toBe("websocket");
  });
});
