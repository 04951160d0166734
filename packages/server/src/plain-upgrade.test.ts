import { describe, expect, it } from "vitest";
import { webReadBody, webWriteResponse } from "./reply.js";
import { rawRequest, serverStarter, testConfig, upgradeRequest } from "./server.test-helpers.js";
import type { Web } from "./web.js";

const start = serverStarter();

/** A request that asks to switch to HTTP/2 in clear text, as `curl --http2 http://...` sends it. */
function h2cRequest(path: string, extra = ""): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n` +
    `Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n${extra}\r\n`
  );
}

describe("requests that ask to upgrade to another protocol", () => {
  const actions = {
    "/": function* (web: Web) {
      if (web.kind !== "http") return;
      const body = yield* webReadBody(web);
      yield* webWriteResponse(web, 200, `${web.method} ${web.path}, a body of ${body.length} bytes`);
    },
  };

  it("serves an h2c upgrade request as HTTP/1.1, ignoring its Upgrade header, then closes", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), actions);
    const res = await rawRequest(port, h2cRequest("/page"));
    expect(res.status).toBe(200);
    expect(res.head).not.toContain("101");
    expect(res.head).toContain("Connection: close");
    expect(res.body).toBe("GET /page, a body of 0 bytes");
  });

  it("serves it even with WebSockets disabled, which refuses WebSocket upgrades only", async () => {
    const { port } = await start(
      testConfig({ routes: [{ match: "/", handler: "action" }], webSockets: { enable: false } }),
      actions,
    );
    expect((await rawRequest(port, h2cRequest("/page"))).status).toBe(200);
    expect((await rawRequest(port, upgradeRequest("/page"))).status).toBe(403);
  });

  it("refuses one that carries a body with 400, as nothing would read it", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), actions);
    const res = await rawRequest(port, h2cRequest("/page", "Content-Length: 5\r\n").replace("GET", "POST") + "hello");
    expect(res.status).toBe(400);
    expect(res.body).toContain("cannot carry a body");
  });

  it("answers CONNECT with 501 instead of dropping the connection", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), actions);
    const res = await rawRequest(port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expect(res.status).toBe(501);
    expect(res.body).toContain("not a proxy");
  });
});
