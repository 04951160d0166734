import { describe, expect, it } from "vitest";
import { run, scoped, sleep, spawn } from "effection";
import type { Socket } from "node:net";
import { scopedTest, useLoopbackSockets, useTestClock } from "../testing/mod.js";
import { useSocket } from "./socket.js";

const LISTENED = ["data", "end", "error", "close"] as const;
/** More than loopback socket buffers hold, so some of it stays in the socket's own buffer. */
const UNREAD_BYTES = 32 * 1024 * 1024;

function listeners(socket: Socket): number {
  return LISTENED.reduce((sum, name) => sum + socket.listenerCount(name), 0);
}

describe("useSocket", () => {
  it("keeps bytes that arrive before anyone reads, in order", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const channel = yield* useSocket(sockets.server);
    sockets.client.write("one,");
    sockets.client.write("two,");
    sockets.client.end("three");
    yield* sleep(20);
    const chunks: string[] = [];
    for (let chunk = yield* channel.read(); chunk; chunk = yield* channel.read()) chunks.push(chunk.toString());
    expect(chunks.join("")).toBe("one,two,three");
  }));

  it("pauses the socket while the reader is behind, and resumes when it catches up", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const channel = yield* useSocket(sockets.server, { readLimit: 1024 });
    sockets.client.write(Buffer.alloc(4096));
    yield* sleep(20);
    expect(sockets.server.isPaused()).toBe(true);
    let read = 0;
    while (read < 4096) read += (yield* channel.read())?.length ?? 0;
    expect(sockets.server.isPaused()).toBe(false);
  }));

  it("destroys the socket and leaves no listener when its scope ends", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const baseline = listeners(sockets.server);
    yield* scoped(function* () {
      yield* useSocket(sockets.server);
      expect(listeners(sockets.server)).toBe(baseline + LISTENED.length);
    });
    expect(sockets.server.destroyed).toBe(true);
    expect(listeners(sockets.server)).toBe(baseline);
  }));

  it("destroys the socket when its scope fails or is halted", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const failing = run(function* () {
      yield* useSocket(sockets.server);
      throw new Error("the handler failed");
    });
    let error: unknown;
    try {
      yield* failing;
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toBe("the handler failed");
    expect(sockets.server.destroyed).toBe(true);
    const halted = yield* spawn(function* () {
      yield* useSocket(sockets.client);
      yield* sleep(60_000);
    });
    yield* sleep(0);
    yield* halted.halt();
    expect(sockets.client.destroyed).toBe(true);
  }));

  it("on release, gives buffered output the close timeout to drain, then destroys the socket", scopedTest(function* () {
    const clock = yield* useTestClock();
    const sockets = yield* useLoopbackSockets();
    const baseline = listeners(sockets.server) + sockets.server.listenerCount("finish");
    sockets.client.pause();
    const released = yield* spawn(() => scoped(function* () {
      const channel = yield* useSocket(sockets.server, { closeTimeout: 100 });
      channel.write(Buffer.alloc(UNREAD_BYTES));
      expect(channel.writableLength).toBeGreaterThan(0);
    }));
    yield* sleep(20);
    expect(sockets.server.destroyed).toBe(false);
    yield* clock.advance(100);
    yield* released;
    expect(sockets.server.destroyed).toBe(true);
    expect(listeners(sockets.server) + sockets.server.listenerCount("finish")).toBe(baseline);
  }));

  it("with a close timeout of 0, waits for buffered output as long as the peer takes to read it", scopedTest(function* () {
    const clock = yield* useTestClock();
    const sockets = yield* useLoopbackSockets();
    sockets.client.pause();
    let received = 0;
    sockets.client.on("data", (chunk: Buffer) => (received += chunk.length));
    const released = yield* spawn(() => scoped(function* () {
      const channel = yield* useSocket(sockets.server, { closeTimeout: 0 });
      channel.write(Buffer.alloc(UNREAD_BYTES));
    }));
    yield* sleep(20);
    yield* clock.advance(24 * 3600 * 1000);
    expect(clock.pending).toBe(0);
    expect(sockets.server.destroyed).toBe(false);
    sockets.client.resume();
    yield* released;
    expect(sockets.server.destroyed).toBe(true);
    yield* sleep(20);
    expect(received).toBe(UNREAD_BYTES);
  }));

  it("writes a batch of buffers in order, small batches and large ones alike", scopedTest(function* () {
    const sockets = yield* useLoopbackSockets();
    const channel = yield* useSocket(sockets.server);
    const small = [Buffer.from("ab"), Buffer.from("cd")];
    const large = [Buffer.from([1, 2]), Buffer.alloc(40_000, 7), Buffer.from([3])];
    const received: Buffer[] = [];
    sockets.client.on("data", (chunk: Buffer) => received.push(chunk));
    channel.writeAll(small, 4);
    channel.writeAll(large, 40_003);
    while (Buffer.concat(received).length < 40_007) yield* sleep(5);
    expect(Buffer.concat(received)).toEqual(Buffer.concat([...small, ...large]));
  }));
});
