import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLiveServer, type LiveServer } from "./live-server.js";
import { RawClient, upgradeRequest } from "./raw-client.js";

const PARSE_TIMEOUT = 600;
let server: LiveServer;
beforeAll(async () => {
  server = await startLiveServer({ timeouts: { parse: PARSE_TIMEOUT } });
});
afterAll(() => server.stop());

/** Resolve after `ms` milliseconds. */
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Connect, let `send` write, and return the status the server answered with once it closed the connection. */
async function answerTo(send: (client: RawClient) => void | Promise<void>, timeout = 3000): Promise<{ status: number; text: string }> {
  const client = await RawClient.connect(server.port);
  try {
    await send(client);
    const head = await client.response(timeout);
    if (head.status !== 101) await client.closed(timeout);
    return { status: head.status, text: head.text };
  } finally {
    client.destroy();
  }
}

const upgrade = (headers: Record<string, string> = {}, method = "GET", version = "1.1"): string =>
  upgradeRequest("/echo/", headers, method, version);

describe("handshake abuse: every hostile request gets a definite status and the connection ends", () => {
  it.each([
    { name: "a garbage request line", request: "GARBAGE\r\n\r\n", status: 400 },
    { name: "binary noise instead of a request", request: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", status: 400 },
    { name: "a header line without a colon", request: "GET /echo/ HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n", status: 400 },
    { name: "a NUL byte in a header", request: "GET /echo/ HTTP/1.1\r\nHost: x\0y\r\n\r\n", status: 400 },
    { name: "an HTTP/1.0 upgrade", request: upgrade({}, "GET", "1.0"), status: 400 },
    { name: "a POST upgrade", request: upgrade({}, "POST"), status: 405 },
    { name: "two Sec-WebSocket-Key values", request: upgrade({ "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==, AQIDBAUGBwgJCgsMDQ4PEA==" }), status: 400 },
    { name: "a Sec-WebSocket-Key that is not 16 bytes", request: upgrade({ "Sec-WebSocket-Key": "c2hvcnQ=" }), status: 400 },
    { name: "no Sec-WebSocket-Key", request: upgrade({ "Sec-WebSocket-Key": "" }), status: 400 },
    { name: "conflicting Sec-WebSocket-Version values", request: upgrade({ "Sec-WebSocket-Version": "13, 8" }), status: 426 },
    { name: "an old Sec-WebSocket-Version", request: upgrade({ "Sec-WebSocket-Version": "8" }), status: 426 },
    // Served as plain HTTP, its Upgrade ignored: the WebSocket-only endpoint asks for an upgrade.
    { name: "Upgrade naming another protocol", request: upgrade({ Upgrade: "h2c" }), status: 426 },
    { name: "no Host", request: upgrade({ Host: "" }), status: 400 },
    { name: "an upgrade to a path without a route", request: upgradeRequest("/nowhere/"), status: 404 },
  ])("answers $name with $status", async ({ request, status }) => {
    expect((await answerTo((client) => client.write(request))).status).toBe(status);
  });

  it("answers a request line without an HTTP version (HTTP/0.9 style) with a 4xx at once", async () => {
    const client = await RawClient.connect(server.port);
    try {
      client.write("GET /echo/\r\nHost: x\r\n\r\n");
      const { status } = await client.response(1000);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    } finally {
      client.destroy();
    }
  });

  it("answers a repeated Sec-WebSocket-Key header line with 400", async () => {
    const request = upgrade().replace("\r\n\r\n", "\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n\r\n");
    expect((await answerTo((client) => client.write(request))).status).toBe(400);
  });

  it("answers a repeated Sec-WebSocket-Version header line with 426", async () => {
    const request = upgrade().replace("\r\n\r\n", "\r\nSec-WebSocket-Version: 8\r\n\r\n");
    expect((await answerTo((client) => client.write(request))).status).toBe(426);
  });

  it("answers a 20 KB header (over limits.header, 10K) with 431", async () => {
    const { status } = await answerTo((client) => client.write(upgrade({ "X-Huge": "a".repeat(20_000) })));
    expect(status).toBe(431);
  });

  it("answers 5,000 tiny headers with 431", async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `x${i}: v\r\n`).join("");
    const { status } = await answerTo((client) => client.write(upgrade().replace("\r\n\r\n", `\r\n${many}\r\n`)));
    expect(status).toBe(431);
  });

  it("upgrades a request written one byte at a time", async () => {
    const request = Buffer.from(upgrade());
    const client = await RawClient.connect(server.port);
    client.socket.setNoDelay(true);
    try {
      for (const byte of request) {
        client.write(Buffer.from([byte]));
        await pause(1);
      }
      expect((await client.response()).status).toBe(101);
      client.sendFrame(1, "byte by byte");
      expect(await client.nextMessage()).toEqual({ kind: "text", data: "byte by byte" });
    } finally {
      client.destroy();
    }
  });

  it(`answers headers that stop arriving with 408 after timeouts.parse (${PARSE_TIMEOUT} ms)`, async () => {
    const started = Date.now();
    const { status } = await answerTo((client) => client.write("GET /echo/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    expect(status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(PARSE_TIMEOUT - 50);
    expect(Date.now() - started).toBeLessThan(PARSE_TIMEOUT + 1500);
  });

  it("answers a slowloris (a header line every 100 ms, forever) with 408 at timeouts.parse", async () => {
    const started = Date.now();
    const client = await RawClient.connect(server.port);
    try {
      client.write("GET /echo/ HTTP/1.1\r\n");
      const answer = client.response(PARSE_TIMEOUT + 1500);
      for (let i = 0; !client.isClosed && Date.now() - started < PARSE_TIMEOUT + 1500; i++) {
        client.write(`X-Drip-${i}: ${i}\r\n`);
        await pause(100);
      }
      expect((await answer).status).toBe(408);
      expect(Date.now() - started).toBeLessThan(PARSE_TIMEOUT + 1500);
    } finally {
      client.destroy();
    }
  });

  it("refuses an upgrade that carries a body with 400, so the body is never read as WebSocket frames", async () => {
    const request = upgrade({ "Content-Length": "5" }) + "hello";
    const client = await RawClient.connect(server.port);
    try {
      client.write(request);
      const head = await client.response();
      expect(head.status).toBe(400);
      await client.closed();
    } finally {
      client.destroy();
    }
  });
});
