import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { startLiveServer, type LiveServer } from "./live-server.js";
import { RawClient, upgradeRequest } from "./raw-client.js";

// Browsers send `Origin` on every WebSocket upgrade and let any page open a socket to any host,
// with the user's cookies: without an allowlist, a hostile page can talk to the server as the
// user (cross-site WebSocket hijacking). `webSockets.origins` is that allowlist.
const ALLOWED = "https://app.example";
let guarded: LiveServer;
let open: LiveServer;
beforeAll(async () => {
  guarded = await startLiveServer({ webSockets: { origins: [ALLOWED] } });
  open = await startLiveServer();
});
afterAll(async () => {
  await guarded.stop();
  await open.stop();
});

/** The status an upgrade to `server` with these headers gets. */
async function statusFor(server: LiveServer, headers: Record<string, string>): Promise<number> {
  const client = await RawClient.connect(server.port);
  try {
    client.write(upgradeRequest("/echo/", headers));
    return (await client.response()).status;
  } finally {
    client.destroy();
  }
}

describe("cross-site WebSocket hijacking", () => {
  it.each(["https://evil.example", "http://app.example", "https://app.example.evil.example", "null"])(
    "refuses an upgrade from Origin %s with 403 when webSockets.origins is set",
    async (origin) => {
      expect(await statusFor(guarded, { Origin: origin })).toBe(403);
    },
  );

  it("accepts an upgrade from a listed Origin, in any case", async () => {
    expect(await statusFor(guarded, { Origin: ALLOWED })).toBe(101);
    expect(await statusFor(guarded, { Origin: "HTTPS://APP.EXAMPLE" })).toBe(101);
  });

  it("accepts a client that sends no Origin (not a browser) even with an allowlist", async () => {
    expect(await statusFor(guarded, {})).toBe(101);
  });

  it("refuses a ws client that claims another origin, which sees the 403", async () => {
    const client = new WsClient(guarded.socketUrl("/echo/"), { origin: "https://evil.example" });
    const status = await new Promise<number>((resolve) => {
      client.once("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        client.terminate();
      });
      client.once("open", () => resolve(101));
      client.once("error", () => {});
    });
    expect(status).toBe(403);
  });

  it("allows every Origin by default (no webSockets.origins)", async () => {
    expect(await statusFor(open, { Origin: "https://evil.example" })).toBe(101);
  });
});
