import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { webSocketGetCloseStatus } from "@fiberws/fiber";
import { webAddAction, type Web } from "@fiberws/server";
import { startExampleServer, startProgram, type ChildProgram, type RunningServer } from "./example-server.test-helpers.js";
import { wsAction } from "./handlers/ws.js";

/** A loopback port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("the example client (dist/client.js)", () => {
  let server: RunningServer;
  let program: ChildProgram | undefined;
  /** The close code the server saw for each /ws/ connection that ended. */
  const closes: number[] = [];

  beforeAll(async () => {
    server = await startExampleServer((webServer) =>
      webAddAction(webServer, "/ws/", function* (web: Web) {
        yield* wsAction(web);
        if (web.kind === "websocket") closes.push(webSocketGetCloseStatus(web.webSocket));
      }),
    );
  });
  afterEach(() => {
    program?.child.kill("SIGKILL");
    program = undefined;
    closes.length = 0;
  });
  afterAll(async () => {
    await server.stop();
  });

  it("connects, echoes a line, and on SIGINT closes with 1000 and exits 0", async () => {
    program = startProgram("client.js", [server.socketUrl("/ws/")]);
    await program.waitFor(/Connected to ws:\/\/127\.0\.0\.1:\d+\/ws\//, "stderr");
    program.child.stdin?.write("hello, server\n");
    await program.waitFor(/^echo: hello, server$/m);
    program.child.kill("SIGINT");
    expect(await program.exited).toBe(0);
    await program.waitFor(/SIGINT: closed with 1000/, "stderr");
    await expect.poll(() => closes).toEqual([1000]);
  });

  it("prints the last replies after the input ends, then closes with 1000 and exits 0", async () => {
    program = startProgram("client.js", [server.socketUrl("/ws/")]);
    program.child.stdin?.end("one\ntwo\n");
    expect(await program.exited).toBe(0);
    expect(program.output()).toBe("echo: one\necho: two\n");
    await expect.poll(() => closes).toEqual([1000]);
  });

  it("says so and exits 0 when the server goes away", async () => {
    const leaving = await startExampleServer();
    program = startProgram("client.js", [leaving.socketUrl("/ws/")]);
    await program.waitFor(/Connected to/, "stderr");
    await leaving.stop();
    expect(await program.exited).toBe(0);
    await program.waitFor(/the server closed the connection: 1001 going away/, "stderr");
  });

  it("says why when the server refuses the upgrade, and exits 1", async () => {
    program = startProgram("client.js", [server.socketUrl("/nowhere/")]);
    expect(await program.exited).toBe(1);
    await program.waitFor(/could not connect: .*\/nowhere\/: the server answered 400/, "stderr");
  });

  it("gives up with a clear message when no server is there within the timeout", async () => {
    const port = await freePort();
    const started = Date.now();
    program = startProgram("client.js", [`ws://127.0.0.1:${port}/ws/`, "--timeout", "600ms"]);
    expect(await program.exited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const message = await program.waitFor(/no server answered within 600 ms: .*ECONNREFUSED/, "stderr");
    expect(message[0]).toContain(`127.0.0.1:${port}`);
    await program.waitFor(/Start it with: pnpm start/, "stderr");
  });
});
