import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import type { UpgradeRequest } from "./handshake.js";
import {
  computeAcceptKey,
  createClientHandshake,
  validateUpgradeRequest,
  verifyUpgradeResponse,
} from "./handshake.js";

const SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/** The RFC's sample upgrade request, with `changes` applied (undefined removes a header). */
function upgradeRequest(
  changes: Record<string, string | string[] | undefined> = {},
  line: { method?: string; httpVersion?: string } = {},
): UpgradeRequest {
  const headers: Record<string, string | string[] | undefined> = {
    host: "server.example.com",
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": SAMPLE_KEY,
    "sec-websocket-version": "13",
    ...changes,
  };
  return { method: line.method ?? "GET", httpVersion: line.httpVersion ?? "1.1", headers };
}

/** The refusal's status, reason and headers; fails the test if the request was accepted. */
function refusal(req: UpgradeRequest, protocols?: readonly string[]) {
  const decision = validateUpgradeRequest(req, protocols === undefined ? {} : { protocols });
  if (decision.ok) throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return { status: decision.status, reason: decision.reason, headers: decision.headers };
}

describe("computeAcceptKey", () => {
  it("derives the RFC 6455 sample accept value from the sample key", () => {
    expect(computeAcceptKey(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
  });
});

describe("validateUpgradeRequest", () => {
  it("accepts the RFC's sample request with the 101 headers and no subprotocol", () => {
    expect(validateUpgradeRequest(upgradeRequest())).toEqual({
      ok: true,
      protocol: undefined,
      headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Accept": SAMPLE_ACCEPT },
    });
  });

  it("refuses a method other than GET with 405 and Allow: GET", () => {
    expect(refusal(upgradeRequest({}, { method: "POST" }))).toEqual({
      status: 405,
      reason: 'method "POST" cannot open a WebSocket; use GET',
      headers: { Allow: "GET" },
    });
  });

  it("refuses HTTP/1.0 with 400 saying HTTP/1.1 is required", () => {
    expect(refusal(upgradeRequest({}, { httpVersion: "1.0" }))).toEqual({
      status: 400,
      reason: "HTTP/1.0 cannot open a WebSocket; HTTP/1.1 or later is required",
      headers: {},
    });
  });

  it("refuses a request without a Host header with 400", () => {
    expect(refusal(upgradeRequest({ host: undefined }))).toMatchObject({ status: 400, reason: "the Host header is missing" });
    expect(refusal(upgradeRequest({ host: ["a.example", "b.example"] }))).toMatchObject({
      status: 400,
      reason: "the Host header appears more than once",
    });
  });

  it("refuses a request that announces a body with 400, since the body would be read as frames", () => {
    expect(refusal(upgradeRequest({ "content-length": "5" }))).toMatchObject({
      status: 400,
      reason: "an upgrade request must not carry a body (it has a non-zero Content-Length)",
    });
    expect(refusal(upgradeRequest({ "transfer-encoding": "chunked" }))).toMatchObject({
      status: 400,
      reason: "an upgrade request must not carry a body (it has Transfer-Encoding)",
    });
    expect(validateUpgradeRequest(upgradeRequest({ "content-length": "0" })).ok).toBe(true);
  });

  it.each([
    ["keep-alive, Upgrade", "websocket"],
    ["UPGRADE", "WebSocket"],
    ["upgrade,keep-alive", "h2c, WEBSOCKET"],
  ])("accepts Connection %j with Upgrade %j (token lists, any case)", (connection, upgrade) => {
    expect(validateUpgradeRequest(upgradeRequest({ connection, upgrade })).ok).toBe(true);
  });

  it("accepts a Connection header node gives as several values", () => {
    expect(validateUpgradeRequest(upgradeRequest({ connection: ["keep-alive", "Upgrade"] })).ok).toBe(true);
  });

  it.each([
    [{ connection: "keep-alive" }, 'the Connection header must include "upgrade", got "keep-alive"'],
    [{ connection: "upgrades" }, 'the Connection header must include "upgrade", got "upgrades"'],
    [{ connection: undefined }, 'the Connection header is missing; it must include "upgrade"'],
    [{ upgrade: "h2c" }, 'the Upgrade header must include "websocket", got "h2c"'],
    [{ upgrade: undefined }, 'the Upgrade header is missing; it must include "websocket"'],
  ])("refuses %j with 400: %s", (changes, reason) => {
    expect(refusal(upgradeRequest(changes))).toEqual({ status: 400, reason, headers: {} });
  });

  it.each([
    [undefined, "the Sec-WebSocket-Key header is missing"],
    ["c2hvcnQ=", 'Sec-WebSocket-Key "c2hvcnQ=" is not the base64 encoding of 16 bytes'],
    ["AAAAAAAAAAAAAAAAAAAA", 'Sec-WebSocket-Key "AAAAAAAAAAAAAAAAAAAA" is not the base64 encoding of 16 bytes'],
    ["AAAAAAAAAAAAAAAAAAAAAAA=", 'Sec-WebSocket-Key "AAAAAAAAAAAAAAAAAAAAAAA=" is not the base64 encoding of 16 bytes'],
    ["dGhlIHNhbXBsZSBub25jZQ", 'Sec-WebSocket-Key "dGhlIHNhbXBsZSBub25jZQ" is not the base64 encoding of 16 bytes'],
    ["dGhlIHNhbXBsZSBub25j*Q==", 'Sec-WebSocket-Key "dGhlIHNhbXBsZSBub25j*Q==" is not the base64 encoding of 16 bytes'],
    [`${SAMPLE_KEY}, ${SAMPLE_KEY}`, "the Sec-WebSocket-Key header has more than one value"],
    [[SAMPLE_KEY, SAMPLE_KEY], "the Sec-WebSocket-Key header has more than one value"],
  ])("refuses Sec-WebSocket-Key %j with 400", (key, reason) => {
    expect(refusal(upgradeRequest({ "sec-websocket-key": key }))).toEqual({ status: 400, reason, headers: {} });
  });

  it.each([
    ["8", 'Sec-WebSocket-Version "8" is not supported; this server speaks version 13'],
    ["13.0", 'Sec-WebSocket-Version "13.0" is not supported; this server speaks version 13'],
    [undefined, "the Sec-WebSocket-Version header is missing; this server speaks version 13"],
    ["13, 8", "the Sec-WebSocket-Version header has more than one value; this server speaks version 13"],
    [["13", "13"], "the Sec-WebSocket-Version header has more than one value; this server speaks version 13"],
  ])("refuses Sec-WebSocket-Version %j with 426 naming version 13", (version, reason) => {
    expect(refusal(upgradeRequest({ "sec-websocket-version": version }))).toEqual({
      status: 426,
      reason,
      headers: { "Sec-WebSocket-Version": "13" },
    });
  });

  it("reads header names in any case, and counts a field sent under two spellings as repeated", () => {
    const mixed = {
      method: "GET",
      httpVersion: "1.1",
      headers: { Host: "h", UPGRADE: "WebSocket", Connection: "Upgrade", "Sec-WebSocket-Version": "13" },
    };
    expect(validateUpgradeRequest({ ...mixed, headers: { ...mixed.headers, "Sec-WebSocket-Key": SAMPLE_KEY } }).ok)
      .toBe(true);
    const twice = { ...mixed.headers, "Sec-WebSocket-Key": SAMPLE_KEY, "sec-websocket-key": SAMPLE_KEY };
    expect(refusal({ ...mixed, headers: twice }).reason).toBe("the Sec-WebSocket-Key header has more than one value");
  });

  it("escapes and shortens a hostile value quoted in a reason", () => {
    const { reason } = refusal(upgradeRequest({ upgrade: `evil\r\nSet-Cookie: x=1${"a".repeat(500)}` }));
    expect(reason).not.toMatch(/[\r\n]/);
    expect(reason).toContain("\\r\\nSet-Cookie");
    expect(reason.length).toBeLessThan(200);
  });

  describe("subprotocols", () => {
    it("chooses by the server's order of preference, not the client's", () => {
      const decision = validateUpgradeRequest(upgradeRequest({ "sec-websocket-protocol": "chat, superchat" }), {
        protocols: ["superchat", "chat"],
      });
      expect(decision).toMatchObject({ ok: true, protocol: "superchat" });
      expect(decision.headers["Sec-WebSocket-Protocol"]).toBe("superchat");
    });

    it("reads offers across several header fields and comma lists", () => {
      const req = upgradeRequest({ "sec-websocket-protocol": ["a, b", "c,d"] });
      expect(validateUpgradeRequest(req, { protocols: ["x", "d", "b"] })).toMatchObject({ ok: true, protocol: "d" });
    });

    it("compares names exactly, so case matters", () => {
      const req = upgradeRequest({ "sec-websocket-protocol": "Chat" });
      expect(refusal(req, ["chat"]).status).toBe(400);
    });

    it("refuses with 400 naming both lists when the client offered only unsupported ones", () => {
      expect(refusal(upgradeRequest({ "sec-websocket-protocol": "mqtt, stomp" }), ["chat", "superchat"])).toEqual({
        status: 400,
        reason: 'none of the offered subprotocols ("mqtt", "stomp") is supported; this server speaks "chat", "superchat"',
        headers: {},
      });
    });

    it("selects none, without the header, when the client offered none", () => {
      const decision = validateUpgradeRequest(upgradeRequest(), { protocols: ["chat"] });
      expect(decision).toMatchObject({ ok: true, protocol: undefined });
      expect(decision.headers).not.toHaveProperty("Sec-WebSocket-Protocol");
    });

    it.each([[undefined], [[]]])("ignores offers when the configured list is %j", (protocols) => {
      const req = upgradeRequest({ "sec-websocket-protocol": "chat" });
      const decision = validateUpgradeRequest(req, protocols === undefined ? {} : { protocols });
      expect(decision).toMatchObject({ ok: true, protocol: undefined });
      expect(decision.headers).not.toHaveProperty("Sec-WebSocket-Protocol");
    });

    it("throws when a configured name is not an HTTP token or appears twice", () => {
      expect(() => validateUpgradeRequest(upgradeRequest(), { protocols: ["chat room"] })).toThrow(
        'configured subprotocol "chat room" is not a valid HTTP token',
      );
      expect(() => validateUpgradeRequest(upgradeRequest(), { protocols: ["chat", "chat"] })).toThrow(
        'configured subprotocol "chat" appears twice',
      );
    });
  });

  it("accepts no extension: offers are ignored and none is sent back", () => {
    const decision = validateUpgradeRequest(upgradeRequest({ "sec-websocket-extensions": "permessage-deflate" }));
    expect(decision.ok).toBe(true);
    expect(Object.keys(decision.headers)).toEqual(["Upgrade", "Connection", "Sec-WebSocket-Accept"]);
  });
});

describe("createClientHandshake", () => {
  it("builds the request headers around a fresh random 16-byte key", () => {
    const first = createClientHandshake();
    const second = createClientHandshake();
    expect(Buffer.from(first.key, "base64")).toHaveLength(16);
    expect(first.key).not.toBe(second.key);
    expect(first.headers).toEqual({
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": first.key,
    });
  });

  it("offers subprotocols in order and adds the user's headers", () => {
    const { headers } = createClientHandshake({ protocols: ["superchat", "chat"], headers: { Origin: "http://a.example" } });
    expect(headers["Sec-WebSocket-Protocol"]).toBe("superchat, chat");
    expect(headers["Origin"]).toBe("http://a.example");
  });

  it.each(["sec-websocket-key", "Upgrade", "CONNECTION", "Sec-WebSocket-Version", "sec-websocket-protocol", "Sec-WebSocket-Extensions"])(
    "throws when a user header tries to set the handshake's own %s",
    (name) => {
      expect(() => createClientHandshake({ headers: { [name]: "x" } })).toThrow(
        `header "${name}" is set by the WebSocket handshake and cannot be overridden`,
      );
    },
  );

  it("throws for an invalid header name or a value with a line break", () => {
    expect(() => createClientHandshake({ headers: { "X Bad": "1" } })).toThrow('header name "X Bad" is not a valid HTTP token');
    expect(() => createClientHandshake({ headers: { "X-Ok": "1\r\nEvil: 2" } })).toThrow(
      'header "X-Ok" has a value with a control character',
    );
  });

  it("throws for a protocol name that is not an HTTP token or is offered twice", () => {
    expect(() => createClientHandshake({ protocols: ["chat,room"] })).toThrow(
      'offered subprotocol "chat,room" is not a valid HTTP token',
    );
    expect(() => createClientHandshake({ protocols: [""] })).toThrow('offered subprotocol "" is not a valid HTTP token');
    expect(() => createClientHandshake({ protocols: ["a", "a"] })).toThrow('offered subprotocol "a" appears twice');
  });

  it("round-trips through the server's validation and the client's verification", () => {
    const offered = ["chat", "superchat"];
    const { key, headers } = createClientHandshake({ protocols: offered });
    const lowerCased = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    const decision = validateUpgradeRequest(
      { method: "GET", httpVersion: "1.1", headers: { host: "localhost", ...lowerCased } },
      { protocols: ["superchat"] },
    );
    expect(decision.ok).toBe(true);
    expect(verifyUpgradeResponse(101, decision.headers, key, offered)).toEqual({ ok: true, protocol: "superchat" });
  });
});

describe("verifyUpgradeResponse", () => {
  const good = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-accept": SAMPLE_ACCEPT };

  it("accepts a correct 101 response, reading header names in any case and token lists", () => {
    const headers = { UPGRADE: "WebSocket", Connection: "keep-alive, upgrade", "Sec-WebSocket-Accept": SAMPLE_ACCEPT };
    expect(verifyUpgradeResponse(101, headers, SAMPLE_KEY, [])).toEqual({ ok: true, protocol: undefined });
  });

  it("returns the subprotocol the server selected from those offered", () => {
    const headers = { ...good, "sec-websocket-protocol": "chat" };
    expect(verifyUpgradeResponse(101, headers, SAMPLE_KEY, ["superchat", "chat"])).toEqual({ ok: true, protocol: "chat" });
  });

  const failures: [number, Record<string, string | string[] | undefined>, string[], string][] = [
    [200, good, [], "expected status 101 Switching Protocols, got 200"],
    [101, { ...good, upgrade: "h2c" }, [], 'in the response, the Upgrade header must include "websocket", got "h2c"'],
    [101, { ...good, connection: undefined }, [], 'in the response, the Connection header is missing; it must include "upgrade"'],
    [101, { ...good, "sec-websocket-accept": undefined }, [], "the Sec-WebSocket-Accept header is missing"],
    [101, { ...good, "sec-websocket-accept": [SAMPLE_ACCEPT, SAMPLE_ACCEPT] }, [], "the Sec-WebSocket-Accept header has more than one value"],
    [101, { ...good, "sec-websocket-accept": SAMPLE_KEY }, [], `Sec-WebSocket-Accept "${SAMPLE_KEY}" does not match the key sent`],
    [101, { ...good, "sec-websocket-extensions": "permessage-deflate" }, [], 'the server selected extensions "permessage-deflate", none were offered'],
    [101, { ...good, "sec-websocket-protocol": "chat" }, [], 'the server selected subprotocol "chat", none was offered'],
    [101, { ...good, "sec-websocket-protocol": "mqtt" }, ["chat"], 'the server selected subprotocol "mqtt", which was not offered ("chat")'],
    [101, { ...good, "sec-websocket-protocol": "chat, superchat" }, ["chat", "superchat"], "the server selected more than one subprotocol"],
  ];
  it.each(failures)("fails a %i response %j (offered %j): %s", (status, headers, offered, reason) => {
    expect(verifyUpgradeResponse(status, headers, SAMPLE_KEY, offered)).toEqual({ ok: false, reason });
  });
});

describe("with ws as an independent peer", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A loopback HTTP server whose upgrade handler answers with `validateUpgradeRequest`. */
  async function startUpgradeServer(protocols: readonly string[]): Promise<string> {
    const sockets = new Set<Duplex>();
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      const decision = validateUpgradeRequest(req, { protocols });
      if (decision.ok) {
        socket.write(responseHead(101, decision.headers));
        return;
      }
      const body = Buffer.from(decision.reason);
      const headers = { ...decision.headers, Connection: "close", "Content-Type": "text/plain", "Content-Length": String(body.length) };
      socket.end(Buffer.concat([Buffer.from(responseHead(decision.status, headers)), body]));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    });
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  /** Connect a `ws` client; resolves with its protocol when open, or the refusal it received. */
  async function connectWithWs(url: string, protocols: string[], options: WebSocket.ClientOptions = {}) {
    const client = new WebSocket(url, protocols, options);
    cleanups.push(() => client.terminate());
    const errors: Error[] = [];
    client.on("error", (error) => errors.push(error));
    return new Promise<{ protocol: string } | { status: number | undefined; body: string; version: string | undefined }>(
      (resolve, reject) => {
        client.on("open", () => resolve({ protocol: client.protocol }));
        client.on("close", () => reject(errors[0] ?? new Error("closed before opening")));
        client.on("unexpected-response", (_req, res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode, body, version: res.headers["sec-websocket-version"] as string | undefined }),
          );
        });
      },
    );
  }

  it("lets a ws client connect and negotiates the server's preferred subprotocol", async () => {
    const url = await startUpgradeServer(["superchat", "chat"]);
    await expect(connectWithWs(url, ["chat", "superchat"])).resolves.toEqual({ protocol: "superchat" });
  });

  it("lets a ws client that offers no subprotocol connect with none", async () => {
    const url = await startUpgradeServer(["chat"]);
    await expect(connectWithWs(url, [])).resolves.toEqual({ protocol: "" });
  });

  it("refuses a ws client offering only unsupported subprotocols with 400 and the reason as body", async () => {
    const url = await startUpgradeServer(["chat"]);
    await expect(connectWithWs(url, ["mqtt"])).resolves.toMatchObject({
      status: 400,
      body: 'none of the offered subprotocols ("mqtt") is supported; this server speaks "chat"',
    });
  });

  it("refuses a ws client speaking protocol version 8 with 426 and Sec-WebSocket-Version: 13", async () => {
    const url = await startUpgradeServer([]);
    await expect(connectWithWs(url, [], { protocolVersion: 8 })).resolves.toEqual({
      status: 426,
      body: 'Sec-WebSocket-Version "8" is not supported; this server speaks version 13',
      version: "13",
    });
  });

  it("verifies the 101 response of a ws server to our client request", async () => {
    const wss = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      handleProtocols: (offers) => (offers.has("chat") ? "chat" : false),
    });
    await once(wss, "listening");
    cleanups.push(async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await once(wss, "close");
    });
    const offered = ["superchat", "chat"];
    const { key, headers } = createClientHandshake({ protocols: offered });
    const req = http.request({ host: "127.0.0.1", port: (wss.address() as AddressInfo).port, path: "/", headers });
    req.end();
    const [res, socket] = (await once(req, "upgrade")) as [http.IncomingMessage, Socket];
    cleanups.push(() => void socket.destroy());
    expect(verifyUpgradeResponse(res.statusCode ?? 0, res.headers, key, offered)).toEqual({ ok: true, protocol: "chat" });
    expect(verifyUpgradeResponse(res.statusCode ?? 0, res.headers, createClientHandshake().key, offered)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("does not match the key sent"),
    });
  });
});

/** An HTTP/1.1 response head: status line, headers and the blank line. */
function responseHead(status: number, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\n${lines.join("")}\r\n`;
}
