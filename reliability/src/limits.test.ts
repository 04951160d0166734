import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeClientFrame, OPCODE } from "./frames.js";
import { startLiveServer, type LiveServer } from "./live-server.js";
import { RawClient } from "./raw-client.js";

const MAX_FRAME = 16 * 1024;
const MAX_MESSAGE = 64 * 1024;
let server: LiveServer;
beforeAll(async () => {
  server = await startLiveServer({ limits: { maxFrame: MAX_FRAME, maxMessage: MAX_MESSAGE } });
});
afterAll(() => server.stop());

/** Upgrade, send `bytes` (and keep the connection open), and return the close code the server sent. */
async function closeCodeFor(bytes: Buffer, port = server.port): Promise<number | undefined> {
  const client = await RawClient.upgrade(port, "/echo/");
  try {
    client.write(bytes);
    const { close, malformed } = await client.closed(2000);
    expect(malformed).toBeUndefined();
    return close?.code;
  } finally {
    client.destroy();
  }
}

/** `count` binary fragments of `size` bytes each, the last one final. */
function fragments(count: number, size: number, final = true): Buffer {
  const payload = Buffer.alloc(size, 0x61);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(encodeClientFrame({ opcode: i === 0 ? OPCODE.BINARY : OPCODE.CONT, payload, fin: final && i === count - 1 }));
  }
  return Buffer.concat(frames);
}

describe("size limits", () => {
  it("closes with 1009 as soon as a frame header announces more than maxFrame, without waiting for its payload", async () => {
    // Only the header and 10 bytes are sent: a server that buffered first would wait (and time out).
    const header = encodeClientFrame({ opcode: OPCODE.BINARY, payload: Buffer.alloc(10), announcedLength: BigInt(MAX_FRAME + 1) });
    expect(await closeCodeFor(header)).toBe(1009);
  });

  it("closes with 1009 when a message's fragments grow past maxMessage, at the fragment that crosses it", async () => {
    const underLimit = fragments(MAX_MESSAGE / MAX_FRAME, MAX_FRAME, false);
    const crossing = encodeClientFrame({ opcode: OPCODE.CONT, payload: Buffer.alloc(1), announcedLength: 1000n });
    expect(await closeCodeFor(Buffer.concat([underLimit, crossing]))).toBe(1009);
  });

  it("closes with 1009 at once when a frame announces 2^63 - 1 bytes", async () => {
    const started = Date.now();
    expect(await closeCodeFor(encodeClientFrame({ opcode: OPCODE.TEXT, announcedLength: 2n ** 63n - 1n }))).toBe(1009);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("closes with 1002 at once when a frame announces 2^63 bytes (the length's top bit must be 0, RFC 6455 5.2)", async () => {
    expect(await closeCodeFor(encodeClientFrame({ opcode: OPCODE.TEXT, announcedLength: 2n ** 63n }))).toBe(1002);
  });

  it("echoes a message that is exactly maxMessage, in frames of exactly maxFrame", async () => {
    const client = await RawClient.upgrade(server.port, "/echo/", fragments(MAX_MESSAGE / MAX_FRAME, MAX_FRAME));
    try {
      const echo = await client.nextMessage();
      expect(echo.kind).toBe("binary");
      expect(echo.kind === "binary" && echo.data.equals(Buffer.alloc(MAX_MESSAGE, 0x61))).toBe(true);
    } finally {
      client.destroy();
    }
  });
});

describe("fragment floods", () => {
  it("closes a message of 100,000 one-byte fragments with 1009 once it passes maxMessage", async () => {
    expect(await closeCodeFor(fragments(100_000, 1))).toBe(1009);
  });

  it("reassembles 100,000 one-byte fragments under the default 1 MB maxMessage into one echoed message", async () => {
    const roomy = await startLiveServer();
    const client = await RawClient.upgrade(roomy.port, "/echo/", fragments(100_000, 1));
    try {
      const echo = await client.nextMessage(10_000);
      expect(echo.kind === "binary" ? echo.data.length : echo.kind).toBe(100_000);
    } finally {
      client.destroy();
      await roomy.stop();
    }
  });
});
