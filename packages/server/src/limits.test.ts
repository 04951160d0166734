import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { sleep, suspend } from "effection";
import { rGetFiberStats } from "@fiberws/fiber";
import { webReadBody, webWriteResponse } from "./reply.js";
import {
  delay,
  fetchText,
  rawExchange,
  rawRequest,
  testConfig,
  upgradeRequest,
  serverStarter,
} from "./server.test-helpers.js";
import type { Web } from "./web.js";

const start = serverStarter();

const actionRoutes = [{ match: "/", handler: "action" as const }];

function* hello(web: Web) {
  if (web.kind === "http") yield* webWriteResponse(web, 200, "hello");
}

describe("limits", () => {
  it("answers the connection past limits.connections with 503 and closes it, sparing the others", async () => {
    const { port, service } = await start(testConfig({ routes: actionRoutes, limits: { connections: 2 } }), {
      "/": hello,
    });
    const held = [connect(port, "127.0.0.1"), connect(port, "127.0.0.1")];
    try {
      await Promise.all(held.map((socket) => new Promise((resolve) => socket.once("connect", resolve))));
      await delay(50);
      expect(service.connections()).toBe(2);
      const refused = await rawRequest(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(refused.status).toBe(503);
      expect(refused.body).toContain("connection limit");
      const first = held[0];
      if (first === undefined) throw new Error("no first socket");
      const reply = new Promise<string>((resolve) => first.once("data", (chunk: Buffer) => resolve(chunk.toString())));
      first.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await reply).toMatch(/^HTTP\/1\.1 200[\s\S]*hello$/);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });

  it("admits a new connection once one closes", async () => {
    const { port } = await start(testConfig({ routes: actionRoutes, limits: { connections: 1 } }), { "/": hello });
    expect((await fetchText(port, "/")).status).toBe(200);
    await delay(20);
    expect((await fetchText(port, "/")).status).toBe(200);
  });

  it("queues requests past limits.fibers and answers 503 after waiting timeouts.parse", async () => {
    const { port, stop } = await start(
      testConfig({ routes: actionRoutes, limits: { fibers: 1 }, timeouts: { parse: 300, close: 100 } }),
      {
        "/slow": () => suspend(),
        "/": hello,
      },
    );
    const slow = fetchText(port, "/slow").then(
      () => "answered",
      () => "dropped",
    );
    await delay(50);
    expect(rGetFiberStats().active).toBe(1);
    const started = Date.now();
    const res = await fetchText(port, "/");
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(rGetFiberStats().expired).toBeGreaterThan(0);
    await stop();
    expect(await slow).toBe("dropped");
  });

  it("answers an upgrade that waited timeouts.parse for a fiber slot with 503", async () => {
    const { port, stop } = await start(
      testConfig({ routes: actionRoutes, limits: { fibers: 1 }, timeouts: { parse: 300, close: 100 } }),
      { "/slow": () => suspend(), "/ws/": () => suspend() },
    );
    const slow = fetchText(port, "/slow").then(
      () => "answered",
      () => "dropped",
    );
    await delay(50);
    const res = await rawRequest(port, upgradeRequest("/ws/"));
    expect(res.status).toBe(503);
    expect(res.elapsed).toBeGreaterThanOrEqual(250);
    await stop();
    expect(await slow).toBe("dropped");
  });

  it("runs a queued request once a fiber slot frees within timeouts.parse", async () => {
    const { port } = await start(
      testConfig({ routes: actionRoutes, limits: { fibers: 1 }, timeouts: { parse: 2000 } }),
      {
        "/slow": function* (web) {
          yield* sleep(200);
          yield* hello(web);
        },
        "/": hello,
      },
    );
    const slow = fetchText(port, "/slow");
    await delay(50);
    const queued = await fetchText(port, "/");
    expect(queued.status).toBe(200);
    expect((await slow).status).toBe(200);
  });

  it("answers 431 to headers over limits.header", async () => {
    const { port } = await start(testConfig({ routes: actionRoutes, limits: { header: 1024 } }), { "/": hello });
    const res = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(2000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect((await fetchText(port, "/", { headers: { "X-Small": "a".repeat(100) } })).status).toBe(200);
  });

  it("answers 408 and closes when the headers do not arrive within timeouts.parse", async () => {
    const { port } = await start(testConfig({ routes: actionRoutes, timeouts: { parse: 300 } }), { "/": hello });
    const res = await rawExchange(port, (socket) => socket.write("GET / HTTP/1.1\r\nHost: x\r\n"));
    expect(res.status).toBe(408);
    expect(res.elapsed).toBeGreaterThanOrEqual(250);
    expect(res.elapsed).toBeLessThan(1500);
  });

  it("answers 408 to a connection that sends nothing within timeouts.parse", async () => {
    const { port } = await start(testConfig({ routes: actionRoutes, timeouts: { parse: 300 } }), { "/": hello });
    const res = await rawExchange(port, () => {});
    expect(res.status).toBe(408);
  });

  it("answers 400 to a malformed request", async () => {
    const { port } = await start(testConfig({ routes: actionRoutes }), { "/": hello });
    expect((await rawRequest(port, "NOT HTTP AT ALL\r\n\r\n")).status).toBe(400);
  });

  it("answers 413 to a body announced over limits.body, without running the action", async () => {
    let ran = false;
    const { port } = await start(testConfig({ routes: actionRoutes, limits: { body: 100 } }), {
      "/": function* (web) {
        ran = true;
        yield* hello(web);
      },
    });
    const res = await fetchText(port, "/", { method: "POST", body: "x".repeat(101) });
    expect(res.status).toBe(413);
    expect(ran).toBe(false);
  });

  it("answers 413 to a chunked body that grows past limits.body while the action reads it", async () => {
    const { port } = await start(testConfig({ routes: actionRoutes, limits: { body: 100 } }), {
      "/": function* (web) {
        if (web.kind !== "http") return;
        yield* webReadBody(web);
        yield* hello(web);
      },
    });
    const res = await rawRequest(
      port,
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n96\r\n${"y".repeat(150)}\r\n0\r\n\r\n`,
    );
    expect(res.status).toBe(413);
  });
});
