import { connect, createServer, Socket, type AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { startReadToWrite } from "./read-to-write.js";

/** Spin for `ms`: time spent between a read and the write that answers it. */
function busy(ms: number): void {
  const started = performance.now();
  while (performance.now() - started < ms) {
    // nothing: the clock is the point
  }
}

/**
 * Echo `rounds` messages one at a time over loopback. Client and server share this process,
 * so both sides' reads are timed: each side spins `delayMs` before it writes its answer.
 */
async function pingPong(rounds: number, delayMs: number): Promise<void> {
  const server = createServer((socket) => {
    socket.on("data", (chunk) => {
      busy(delayMs);
      socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve) => client.once("connect", resolve));
  client.write("ping");
  for (let round = 1; round < rounds; round++) {
    await new Promise<void>((resolve) => client.once("data", () => resolve()));
    busy(delayMs);
    client.write("ping");
  }
  await new Promise<void>((resolve) => client.once("data", () => resolve()));
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("read-to-write timing", () => {
  it("times each read to the next write, the time spent between them included", async () => {
    const stop = startReadToWrite();
    await pingPong(20, 5);
    const slow = stop();
    const again = startReadToWrite();
    await pingPong(20, 0);
    const fast = again();
    expect(slow.count).toBeGreaterThanOrEqual(20);
    expect(slow.medianUs).toBeGreaterThanOrEqual(5000);
    expect(fast.medianUs).toBeLessThan(5000);
  });

  it("puts the socket's methods back as they were when stopped", () => {
    const { push, _write, _writev } = Socket.prototype as unknown as Record<string, unknown>;
    const stop = startReadToWrite();
    expect((Socket.prototype as unknown as Record<string, unknown>)._write).not.toBe(_write);
    stop();
    expect(Socket.prototype.push).toBe(push);
    expect(Socket.prototype.push).toBe(Readable.prototype.push);
    expect(Object.hasOwn(Socket.prototype, "push")).toBe(false);
    expect((Socket.prototype as unknown as Record<string, unknown>)._write).toBe(_write);
    expect((Socket.prototype as unknown as Record<string, unknown>)._writev).toBe(_writev);
  });

  it("reports nothing measured as a count of 0", () => {
    expect(startReadToWrite()()).toEqual({ kind: "read-to-write", medianUs: 0, count: 0 });
  });
});
