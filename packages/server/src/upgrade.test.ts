import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { run, suspend, until } from "effection";
import { WebSocket as WsClient } from "ws";
import { WS_EVENT_MESSAGE } from "@fiberws/core";
import {
  ClockContext,
  rGetFiberStats,
  systemClock,
  webSocketGetProtocol,
  webSocketRun,
  webSocketSend,
  type Clock,
  type WebSocketProc,
} from "@fiberws/fiber";
import {
  captureLog,
  fetchText,
  rawExchange,
  rawRequest,
  serverStarter,
  testConfig,
  upgradeRequest,
  type ConfigPatch,
} from "./server.test-helpers.js";
import { createWebServer, serve, webAddAction } from "./server.js";
import { originAllowed } from "./upgrade.js";
import { webSocketAction } from "./websocket-action.js";

const start = serverStarter();

const routes = [
  { match: "/ws/", handler: "action" as const },
  { match: "/get-only/", handler: "action" as const, methods: ["POST"] },
  { match: "/", handler: "file" as const },
];

/** Serve with an action on /ws/ and /get-only/, send `text`, and return the raw answer. */
async function refusalFor(text: string, patch: ConfigPatch = {}) {
  const served = await start(testConfig({ routes, ...patch }), {
    "/ws/": () => suspend(),
    "/get-only/": () => suspend(),
  });
  return rawRequest(served.port, text);
}

describe("upgrade refusals", () => {
  it("gives each connection the clock in force in the server's scope when it opens", async () => {
    const later: Clock = { ...systemClock, now: () => 0 };
    const seen: Clock[] = [];
    const server = createWebServer(testConfig({ routes }));
    webAddAction(server, "/ws/", function* (web) {
      if (web.kind === "websocket") seen.push(web.webSocket.clock);
    });
    await run(function* () {
      const service = yield* serve(server);
      yield* ClockContext.set(later);
      const client = new WsClient(`${service.urls[0]?.replace("http", "ws")}/ws/`);
      yield* until(once(client, "close")); // the action returns at once: the server closes
    });
    expect(seen).toEqual([later]);
  });

  it("answers 400 to a malformed key, as the handshake validation says", async () => {
    const res = await refusalFor(upgradeRequest("/ws/chat", { "Sec-WebSocket-Key": "short" }));
    expect(res.status).toBe(400);
    expect(res.head).toContain("Connection: close");
    expect(res.body).toContain("Sec-WebSocket-Key");
  });

  it("answers 426 with the supported version to another Sec-WebSocket-Version", async () => {
    const res = await refusalFor(upgradeRequest("/ws/chat", { "Sec-WebSocket-Version": "8" }));
    expect(res.status).toBe(426);
    expect(res.head).toContain("Sec-WebSocket-Version: 13");
  });

  it("answers 405 with Allow: GET to an upgrade by another method", async () => {
    const res = await refusalFor(upgradeRequest("/ws/chat", {}, "POST"));
    expect(res.status).toBe(405);
    expect(res.head).toContain("Allow: GET");
  });

  it("answers 405 with the route's methods when the route refuses GET", async () => {
    const res = await refusalFor(upgradeRequest("/get-only/x"));
    expect(res.status).toBe(405);
    expect(res.head).toContain("Allow: POST");
  });

  it("answers 400 to a path with an encoded slash, which could climb out of the action's prefix", async () => {
    const res = await refusalFor(upgradeRequest("/ws/..%2F..%2Fetc%2Fpasswd"));
    expect(res.status).toBe(400);
    expect(res.body).toContain("encoded slash");
  });

  it("answers 404 to an upgrade with no route", async () => {
    const res = await refusalFor(upgradeRequest("/x"), { routes: [{ match: "/ws/", handler: "action" }] });
    expect(res.status).toBe(404);
  });

  it("answers 404 to an upgrade on an action route with no action for its path", async () => {
    const res = await refusalFor(upgradeRequest("/nothing/here"), { routes: [{ match: "/", handler: "action" }] });
    expect(res.status).toBe(404);
    expect(res.body).toContain("no action");
  });

  it("refuses an upgrade to a file route with 400 instead of upgrading it", async () => {
    const res = await refusalFor(upgradeRequest("/index.html"));
    expect(res.status).toBe(400);
    expect(res.body).toContain("file route");
  });

  it("refuses every upgrade with 403 when webSockets.enable is false", async () => {
    const res = await refusalFor(upgradeRequest("/ws/chat"), { webSockets: { enable: false } });
    expect(res.status).toBe(403);
    expect(res.body).toContain("disabled");
  });

  it("refuses an Origin outside webSockets.origins with 403", async () => {
    const res = await refusalFor(upgradeRequest("/ws/chat", { Origin: "https://evil.example" }), {
      webSockets: { origins: ["https://chat.example"] },
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain("https://evil.example");
  });

  it("answers a refusal with a complete response whose length matches its body", async () => {
    const res = await refusalFor(upgradeRequest("/ws/chat", { "Sec-WebSocket-Version": "99" }));
    const length = Number(/Content-Length: (\d+)/.exec(res.head)?.[1]);
    expect(Buffer.byteLength(res.body)).toBe(length);
  });
});

describe("originAllowed", () => {
  it("allows every origin without an allowlist", () => {
    expect(originAllowed(undefined, "https://any.example")).toBe(true);
  });

  it("compares listed origins ignoring case and a trailing slash", () => {
    expect(originAllowed(["https://Chat.example/"], "https://chat.example")).toBe(true);
    expect(originAllowed(["https://chat.example"], "https://chat.example:8443")).toBe(false);
  });
});

describe("accepted upgrades", () => {
  it("hands the action the live WebSocket with the selected subprotocol and the inactivity timeout", async () => {
    const seen: { protocol?: string; timeout?: number; path?: string } = {};
    const served = await start(
      testConfig({ routes, webSockets: { protocols: ["chat", "superchat"] }, timeouts: { inactivity: 12_345 } }),
      {
        "/ws/": function* (web) {
          if (web.kind !== "websocket") return;
          seen.protocol = webSocketGetProtocol(web.webSocket);
          seen.timeout = web.timeout;
          seen.path = web.path;
          yield* webSocketRun(web.webSocket, echo, null, web.buf, web.timeout);
        },
      },
    );
    const client = new WsClient(`ws://127.0.0.1:${served.port}/ws/room?x=1`, ["superchat", "chat"]);
    await once(client, "open");
    expect(client.protocol).toBe("chat");
    client.send("hello");
    const [reply] = await once(client, "message");
    expect(String(reply)).toBe("echo: hello");
    expect(seen).toEqual({ protocol: "chat", timeout: 12_345, path: "/ws/room" });
    client.close(1000, "done");
    const [code] = await once(client, "close");
    expect(code).toBe(1000);
  });

  it("delivers bytes sent right behind the handshake before anything else", async () => {
    const served = await start(testConfig({ routes }), { "/ws/": webSocketAction(echo) });
    const frame = maskedTextFrame("early");
    const res = await rawExchange(served.port, (socket) => {
      socket.write(Buffer.concat([Buffer.from(upgradeRequest("/ws/")), frame]));
      socket.on("data", () => socket.end());
    });
    expect(res.status).toBe(101);
    expect(res.body).toContain("echo: early");
  });

  it("runs short connections one after another on a few reused carriers, not a task each", async () => {
    const served = await start(testConfig({ routes }), { "/ws/": webSocketAction(echo) });
    const before = rGetFiberStats().carriers;
    for (let i = 0; i < 20; i++) {
      const client = new WsClient(`ws://127.0.0.1:${served.port}/ws/`);
      await once(client, "open");
      client.send(`n${i}`);
      expect(String((await once(client, "message"))[0])).toBe(`echo: n${i}`);
      client.close();
      await once(client, "close");
    }
    // A connection's fiber leaves nothing in its carrier, which then carries the next one
    // (one may still be finishing its close when the next connection starts).
    expect(rGetFiberStats().carriers - before).toBeLessThanOrEqual(3);
  });

  it("answers a plain request to a webSocketAction with 426", async () => {
    const served = await start(testConfig({ routes }), { "/ws/": webSocketAction(echo) });
    const res = await fetchText(served.port, "/ws/");
    expect(res.status).toBe(426);
    expect(res.headers.upgrade).toBe("websocket");
  });

  it("closes with 1011 when the action throws, logs it once, and keeps serving", async () => {
    const { lines, restore } = captureLog();
    try {
      const served = await start(testConfig({ routes }), {
        "/ws/": function* (web) {
          if (web.path === "/ws/bad") throw new Error("action exploded");
          yield* webSocketAction(echo)(web);
        },
      });
      const bad = new WsClient(`ws://127.0.0.1:${served.port}/ws/bad`);
      const [code] = await once(bad, "close");
      expect(code).toBe(1011);
      expect(lines.filter((line) => line.includes("action exploded"))).toHaveLength(1);
      const good = new WsClient(`ws://127.0.0.1:${served.port}/ws/good`);
      await once(good, "open");
      good.send("still here");
      expect(String((await once(good, "message"))[0])).toBe("echo: still here");
      good.close();
      await once(good, "close");
    } finally {
      restore();
    }
  });
});

/** The seed's echo handler. */
const echo: WebSocketProc = function* (ws, event, buf) {
  if (event === WS_EVENT_MESSAGE) yield* webSocketSend(ws, "echo: %s", buf);
};

/** A masked, final text frame as a client sends it (payload under 126 bytes). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
