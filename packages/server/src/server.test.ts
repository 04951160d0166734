import { connect, createServer } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { run, sleep } from "effection";
import { HttpError, webReadBody, webWriteJson, webWriteResponse } from "./reply.js";
import { createWebServer, serve, webAddAction } from "./server.js";
import { captureLog, fetchText, rawExchange, rawRequest, serverStarter, testConfig } from "./server.test-helpers.js";
import type { Web } from "./web.js";

const start = serverStarter();

/** An action that answers with the prefix it was registered under and the path it got. */
function echoPrefix(name: string) {
  return function* (web: Web) {
    if (web.kind === "http") yield* webWriteResponse(web, 200, `${name} ${web.prefix} ${web.path}`);
  };
}

describe("serve", () => {
  it("binds port 0 and reports the address it got", async () => {
    const { service, port, url } = await start(testConfig());
    expect(port).toBeGreaterThan(0);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(service.urls).toEqual([url]);
  });

  it("answers 404 when no route matches", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/api/", handler: "action" }] }), {
      "/api/": echoPrefix("api"),
    });
    const res = await fetchText(port, "/elsewhere");
    expect(res.status).toBe(404);
    expect(res.body).toContain("no route for /elsewhere");
  });

  it("answers 404 on an action route without a registered action", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/api/": echoPrefix("api"),
    });
    expect((await fetchText(port, "/other")).status).toBe(404);
  });

  it("matches a prefix route below it and an exact route only at its path", async () => {
    const routes = [
      { match: "/health", handler: "action" as const },
      { match: "/api/", handler: "action" as const },
    ];
    const { port } = await start(testConfig({ routes }), { "/": echoPrefix("root") });
    expect((await fetchText(port, "/health")).status).toBe(200);
    expect((await fetchText(port, "/health/more")).status).toBe(404);
    expect((await fetchText(port, "/api/x/y")).body).toBe("root / /api/x/y");
  });

  it("tries routes in order: the first match decides the methods", async () => {
    const routes = [
      { match: "/api/", handler: "action" as const, methods: ["GET"] },
      { match: "/api/admin/", handler: "action" as const },
    ];
    const { port } = await start(testConfig({ routes }), { "/api/": echoPrefix("api") });
    const res = await fetchText(port, "/api/admin/x", { method: "DELETE" });
    expect(res.status).toBe(405);
  });

  it("answers 405 with an Allow header for a method the route refuses", async () => {
    const routes = [{ match: "/api/", handler: "action" as const, methods: ["GET", "POST"] }];
    const { port } = await start(testConfig({ routes }), { "/api/": echoPrefix("api") });
    const res = await fetchText(port, "/api/x", { method: "PUT" });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, POST, HEAD");
  });

  it("runs the action with the longest registered prefix", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/api/": echoPrefix("short"),
      "/api/v2/": echoPrefix("long"),
    });
    expect((await fetchText(port, "/api/v2/users")).body).toBe("long /api/v2/ /api/v2/users");
    expect((await fetchText(port, "/api/v1/users")).body).toBe("short /api/ /api/v1/users");
  });

  it("runs an action registered without a trailing / only for whole path segments", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": echoPrefix("root"),
      "/ws": echoPrefix("ws"),
    });
    expect((await fetchText(port, "/ws")).body).toBe("ws /ws /ws");
    expect((await fetchText(port, "/ws?room=1")).body).toBe("ws /ws /ws");
    expect((await fetchText(port, "/ws/chat")).body).toBe("ws /ws /ws/chat");
    expect((await fetchText(port, "/wsx")).body).toBe("root / /wsx");
  });

  it("gives the action the method, decoded path, query and headers", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": function* (web) {
        if (web.kind !== "http") return;
        yield* webWriteJson(web, {
          method: web.method,
          path: web.path,
          room: web.query.get("room"),
          agent: web.headers["x-agent"],
        });
      },
    });
    const res = await fetchText(port, "/chat%20room?room=7", { method: "PATCH", headers: { "X-Agent": "t" } });
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(res.body)).toEqual({ method: "PATCH", path: "/chat room", room: "7", agent: "t" });
  });

  it("answers HEAD to an action with the headers and no body", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": echoPrefix("root"),
    });
    const res = await fetchText(port, "/x", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String("root / /x".length));
    expect(res.body).toBe("");
  });

  it("reads a request body within limits.body", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": function* (web) {
        if (web.kind === "http") yield* webWriteResponse(web, 200, `got ${(yield* webReadBody(web)).length}`);
      },
    });
    expect((await fetchText(port, "/", { method: "POST", body: "x".repeat(1000) })).body).toBe("got 1000");
  });

  it("answers Expect: 100-continue with 100 only for a request it will read, and refuses the others first", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }], limits: { body: 1000 } }), {
      "/": function* (web) {
        if (web.kind === "http") yield* webWriteResponse(web, 200, `got ${(yield* webReadBody(web)).length}`);
      },
    });
    const head = (length: number) =>
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;
    const tooLarge = await rawRequest(port, head(5000));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.head).not.toContain("100 Continue");
    const accepted = await rawExchange(port, (socket) => {
      socket.write(head(5));
      socket.once("data", (chunk: Buffer) => {
        if (chunk.toString("latin1").startsWith("HTTP/1.1 100 Continue")) socket.end("hello");
      });
    });
    expect(accepted.head).toMatch(/^HTTP\/1\.1 100 Continue/);
    expect(accepted.body).toContain("got 5");
  });

  it("answers an HttpError thrown by an action with its status", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": function* () {
        throw new HttpError(418, "short and stout");
      },
    });
    const res = await fetchText(port, "/");
    expect(res.status).toBe(418);
    expect(res.body).toBe("short and stout\n");
  });

  it("answers 500 when an action throws, logs it once, and keeps serving", async () => {
    const log = captureLog();
    onTestFinished(log.restore);
    let calls = 0;
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": function* (web) {
        calls++;
        if (web.path === "/boom") throw new Error("boom");
        if (web.kind === "http") yield* webWriteResponse(web, 200, "fine");
      },
    });
    expect((await fetchText(port, "/boom")).status).toBe(500);
    expect((await fetchText(port, "/ok")).body).toBe("fine");
    expect(calls).toBe(2);
    expect(log.lines.filter((line) => line.includes("boom"))).toHaveLength(1);
  });

  it("ends the response when the action returns without finishing it", async () => {
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": function* (web) {
        if (web.kind !== "http") return;
        web.response.statusCode = 202;
        web.response.write("partial");
      },
    });
    const res = await fetchText(port, "/");
    expect(res.status).toBe(202);
    expect(res.body).toBe("partial");
  });

  it("answers 503 when an action outlives timeouts.request", async () => {
    const log = captureLog();
    onTestFinished(log.restore);
    const { port } = await start(
      testConfig({ routes: [{ match: "/", handler: "action" }], timeouts: { request: 200 } }),
      { "/": () => sleep(5000) },
    );
    const started = Date.now();
    const res = await fetchText(port, "/");
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(log.lines.join("")).toContain("no answer within 200 ms");
  });

  it("halts the action when the client goes away before the answer", async () => {
    let entered: () => void = () => {};
    const running = new Promise<void>((resolve) => (entered = resolve));
    let halted: () => void = () => {};
    const cleanedUp = new Promise<void>((resolve) => (halted = resolve));
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "action" }] }), {
      "/": function* () {
        entered();
        try {
          yield* sleep(10_000);
        } finally {
          halted();
        }
      },
    });
    const client = connect(port, "127.0.0.1", () => client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await running;
    client.destroy();
    await cleanedUp;
  });

  it("serves a file route from its documents folder", async () => {
    const documents = mkdtempSync(join(tmpdir(), "fiberws-docs-"));
    onTestFinished(() => rmSync(documents, { recursive: true, force: true }));
    writeFileSync(join(documents, "index.html"), "<p>home</p>");
    const { port } = await start(testConfig({ routes: [{ match: "/", handler: "file", documents }] }));
    const res = await fetchText(port, "/");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.body).toBe("<p>home</p>");
  });

  it("refuses to add an action once serving, or twice for one prefix", async () => {
    const server = createWebServer(testConfig());
    webAddAction(server, "/a/", echoPrefix("a"));
    expect(() => webAddAction(server, "/a/", echoPrefix("a"))).toThrow(/already registered/);
    expect(() => webAddAction(server, "a/", echoPrefix("a"))).toThrow(TypeError);
    await run(function* () {
      yield* serve(server);
      expect(() => webAddAction(server, "/b/", echoPrefix("b"))).toThrow(/already serves/);
    });
  });

  it("fails to serve, naming the reason, when the port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const config = { ...testConfig(), listen: [`http://127.0.0.1:${port}`] };
    await expect(run(() => serve(createWebServer(config)))).rejects.toThrow(/EADDRINUSE/);
    await new Promise((resolve) => blocker.close(resolve));
  });
});
