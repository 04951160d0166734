import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { once } from "node:events";
import { run } from "effection";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { R_READABLE, R_WRITABLE, rGetTicks, rWaitForIO } from "./wait-io.js";

let server: Server;
let client: Socket;
let peer: Socket;

beforeEach(async () => {
  server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  const accepted = once(server, "connection");
  client = createConnection(address.port, "127.0.0.1");
  [peer] = (await accepted) as [Socket];
  await once(client, "connect");
});

afterEach(async () => {
  client.destroy();
  peer.destroy();
  server.close();
  await once(server, "close");
});

describe("rWaitForIO", () => {
  it("returns R_READABLE once the peer sends data, leaving the data to be read", async () => {
    const ready = await run(function* () {
      setTimeout(() => peer.write("hello"), 5);
      return yield* rWaitForIO(client, R_READABLE, rGetTicks() + 2000);
    });
    expect(ready).toBe(R_READABLE);
    expect(String(client.read())).toBe("hello");
  });

  it("returns R_READABLE when the peer ends the connection", async () => {
    const ready = await run(function* () {
      setTimeout(() => peer.end(), 5);
      return yield* rWaitForIO(client, R_READABLE, 0);
    });
    expect(ready & R_READABLE).toBe(R_READABLE);
  });

  it("returns R_WRITABLE at once for a connected socket with room to write", async () => {
    const ready = await run(() => rWaitForIO(client, R_WRITABLE | R_READABLE, rGetTicks() + 2000));
    expect(ready).toBe(R_WRITABLE);
  });

  it("waits for the write buffer to drain before reporting R_WRITABLE", async () => {
    peer.pause();
    const chunk = Buffer.alloc(1 << 20);
    while (client.write(chunk));
    expect(client.writableNeedDrain).toBe(true);
    const ready = await run(function* () {
      setTimeout(() => peer.resume(), 20);
      return yield* rWaitForIO(client, R_WRITABLE, rGetTicks() + 5000);
    });
    expect(ready).toBe(R_WRITABLE);
    expect(client.writableNeedDrain).toBe(false);
  });

  it("returns 0 when the deadline passes first", async () => {
    const started = Date.now();
    const ready = await run(() => rWaitForIO(client, R_READABLE, rGetTicks() + 30));
    expect(ready).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(client.listenerCount("readable")).toBe(0);
  });

  it("rejects a mask that asks for nothing", async () => {
    await expect(run(() => rWaitForIO(client, 0, 0))).rejects.toThrow(RangeError);
  });
});
