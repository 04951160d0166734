import { once } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { sleep } from "effection";
import { WebSocket as WsClient } from "ws";
import { WS_EVENT_MESSAGE } from "@fiberws/core";
import { rGetFiberStats, webSocketSend, type WebSocketProc } from "@fiberws/fiber";
import { webWriteResponse } from "./reply.js";
import { fetchText, rawExchange, startServer, testConfig, upgradeRequest } from "./server.test-helpers.js";
import { webSocketAction } from "./websocket-action.js";

const routes = [
  { match: "/ws/", handler: "action" as const },
  { match: "/slow", handler: "action" as const },
];

const echo: WebSocketProc = function* (ws, event, buf) {
  if (event === WS_EVENT_MESSAGE) yield* webSocketSend(ws, "echo: %s", buf);
};

/** Counts of the network handles and timers this process holds. */
function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind.startsWith("TCP") || kind === "Timeout") counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** The handles and timers held now beyond those in `baseline`. */
function handlesBeyond(baseline: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, count] of Object.entries(handleCounts())) {
    if (count > (baseline[kind] ?? 0)) extra[kind] = count - (baseline[kind] ?? 0);
  }
  return extra;
}

/** Resolve once `port` on 127.0.0.1 can be bound again (it is bound and released at once). */
function rebind(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

describe("graceful shutdown", () => {
  it("closes each WebSocket with 1001, lets the in-flight response finish, frees the port and leaves no handle", async () => {
    const before = handleCounts();
    const served = await startServer(testConfig({ routes, timeouts: { close: 2000 } }), {
      "/ws/": webSocketAction(echo),
      "/slow": function* (web) {
        yield* sleep(300);
        if (web.kind === "http") yield* webWriteResponse(web, 200, "finished after shutdown began");
      },
    });
    const clients = [1, 2, 3].map(() => new WsClient(`ws://127.0.0.1:${served.port}/ws/`));
    await Promise.all(clients.map((client) => once(client, "open")));
    const closes = clients.map((client) => once(client, "close"));
    const response = fetchText(served.port, "/slow");
    await new Promise((resolve) => setTimeout(resolve, 50));

    await served.stop();

    const codes = (await Promise.all(closes)).map(([code]) => code);
    expect(codes).toEqual([1001, 1001, 1001]);
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.body).toBe("finished after shutdown began");
    await rebind(served.port);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(handlesBeyond(before)).toEqual({});
  });

  it("wakes hibernating WebSocket fibers to echo, and to close with 1001 at shutdown, leaving no handle", async () => {
    const before = handleCounts();
    const served = await startServer(testConfig({ routes, webSockets: { hibernate: 10 }, timeouts: { close: 2000 } }), {
      "/ws/": webSocketAction(echo),
    });
    const clients = [1, 2, 3].map(() => new WsClient(`ws://127.0.0.1:${served.port}/ws/`));
    await Promise.all(clients.map((client) => once(client, "open")));
    const closes = clients.map((client) => once(client, "close"));
    const hibernating = async (count: number) => {
      for (let tries = 0; tries < 100 && rGetFiberStats().hibernating < count; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return rGetFiberStats().hibernating;
    };
    expect(await hibernating(3)).toBe(3);
    const first = clients[0] as WsClient; // three were opened above
    first.send("still there?");
    const [reply] = (await once(first, "message")) as [Buffer];
    expect(reply.toString()).toBe("echo: still there?");
    expect(await hibernating(3)).toBe(3);

    await served.stop();

    expect((await Promise.all(closes)).map(([code]) => code)).toEqual([1001, 1001, 1001]);
    expect(rGetFiberStats().hibernating).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(handlesBeyond(before)).toEqual({});
  });

  it("closes WebSockets concurrently, each bounded by timeouts.close, when peers never answer the close", async () => {
    const closeTimeout = 400;
    const served = await startServer(testConfig({ routes, timeouts: { close: closeTimeout } }), {
      "/ws/": webSocketAction(echo),
    });
    const silent = [1, 2, 3, 4].map(() =>
      rawExchange(served.port, (socket) => socket.write(upgradeRequest("/ws/")), 10_000),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(served.service.connections()).toBe(4);
    const started = Date.now();
    await served.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(closeTimeout - 50);
    expect(took).toBeLessThan(closeTimeout * 2);
    for (const exchange of await Promise.all(silent)) {
      expect(exchange.status).toBe(101);
      expect(exchange.body).toContain("\u0003\u00e9"); // a close frame with code 1001 (0x03e9)
    }
  });

  it("answers a request that arrives on a kept-alive connection during shutdown with 503", async () => {
    const served = await startServer(testConfig({ routes, timeouts: { close: 1000 } }), {
      "/slow": function* (web) {
        yield* sleep(200);
        if (web.kind === "http") yield* webWriteResponse(web, 200, "ok");
      },
    });
    const exchange = rawExchange(served.port, (socket) => {
      socket.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      setTimeout(() => socket.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"), 100);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await served.stop();
    const text = `${(await exchange).head}\r\n\r\n${(await exchange).body}`;
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toMatch(/HTTP\/1\.1 503[\s\S]*shutting down/);
  });
});
