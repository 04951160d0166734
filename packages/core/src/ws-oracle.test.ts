// `ws` as an independent implementation: its frames parse to the same messages in ours, and ours in its.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Receiver, Sender } from "ws";
import { Protocol, type ProtocolEvent } from "./protocol.js";

/** What both implementations report, in a common shape. */
type Seen =
  | { kind: "message"; binary: boolean; data: string }
  | { kind: "ping" | "pong"; data: string }
  | { kind: "close"; code: number; reason: string };

/** Frames written by `ws`'s Sender through a socket that just collects the bytes. */
function wsWrites(write: (sender: Sender) => void): Buffer {
  const pieces: Buffer[] = [];
  const socket = {
    cork() {},
    uncork() {},
    write(data: Buffer | string) {
      pieces.push(Buffer.from(data));
      return true;
    },
  };
  write(new Sender(socket));
  return Buffer.concat(pieces);
}

/** What our Protocol in `role` reports for `bytes`, fed in pieces of `pieceSize`. */
function oursSees(bytes: Buffer, role: "server" | "client", pieceSize = Infinity): Seen[] {
  const protocol = new Protocol({ role, maxFrame: Infinity, maxMessage: Infinity });
  const events: ProtocolEvent[] = [];
  const step = Math.min(pieceSize, bytes.length);
  for (let i = 0; i < bytes.length; i += step) protocol.receive(Buffer.from(bytes.subarray(i, i + step)), events);
  return events.map((event): Seen => {
    switch (event.kind) {
      case "message":
        return { kind: "message", binary: event.type === 2, data: Buffer.from(event.data).toString("hex") };
      case "ping":
      case "pong":
        return { kind: event.kind, data: event.data.toString("hex") };
      case "close":
        return { kind: "close", code: event.code, reason: event.reason };
      case "error":
        throw new Error(`our parser rejected ws's frames: ${event.message}`);
    }
  });
}

/** What `ws`'s Receiver in `role` reports for `bytes`; rejects if it finds an error. */
async function wsSees(bytes: Buffer, role: "server" | "client"): Promise<Seen[]> {
  const receiver = new Receiver({ isServer: role === "server", maxPayload: 0 });
  const seen: Seen[] = [];
  receiver.on("message", (data, isBinary) => seen.push({ kind: "message", binary: isBinary, data: data.toString("hex") }));
  receiver.on("ping", (data) => seen.push({ kind: "ping", data: data.toString("hex") }));
  receiver.on("pong", (data) => seen.push({ kind: "pong", data: data.toString("hex") }));
  receiver.on("conclude", (code, reason) => seen.push({ kind: "close", code, reason: reason.toString() }));
  let failure: Error | undefined;
  receiver.on("error", (error) => (failure = error));
  await new Promise<void>((resolve) => receiver.write(bytes, () => resolve()));
  await new Promise((resolve) => setImmediate(resolve));
  receiver.destroy();
  if (failure) throw new Error(`ws rejected our frames: ${failure.message}`);
  return seen;
}

const hex = (data: string | Buffer) => Buffer.from(data).toString("hex");

describe("frames written by ws's Sender", () => {
  const script = (mask: boolean) =>
    wsWrites((sender) => {
      sender.send("hello", { binary: false, fin: true, mask });
      sender.send(Buffer.from([0, 1, 255]), { binary: true, fin: true, mask });
      sender.send("frag", { binary: false, fin: false, mask });
      sender.ping(Buffer.from("in between"), mask);
      sender.send("mented ü", { binary: false, fin: true, mask });
      sender.send("x".repeat(300), { binary: false, fin: true, mask }); // 16-bit length
      sender.send(Buffer.alloc(70_000, 0xab), { binary: true, fin: true, mask }); // 64-bit length
      sender.pong(Buffer.from("beat"), mask);
      sender.close(4001, "the end", mask);
    });

  const expected: Seen[] = [
    { kind: "message", binary: false, data: hex("hello") },
    { kind: "message", binary: true, data: "0001ff" },
    { kind: "ping", data: hex("in between") },
    { kind: "message", binary: false, data: hex("fragmented ü") },
    { kind: "message", binary: false, data: hex("x".repeat(300)) },
    { kind: "message", binary: true, data: hex(Buffer.alloc(70_000, 0xab)) },
    { kind: "pong", data: hex("beat") },
    { kind: "close", code: 4001, reason: "the end" },
  ];

  it("parse to the same messages in our server, masked, whole or in pieces", () => {
    const bytes = script(true);
    expect(oursSees(bytes, "server")).toEqual(expected);
    expect(oursSees(bytes, "server", 7)).toEqual(expected);
  });

  it("parse to the same messages in our client, unmasked", () => {
    expect(oursSees(script(false), "client")).toEqual(expected);
  });

  it("parse the same way in ws's own Receiver (the oracle agrees with itself)", async () => {
    expect(await wsSees(script(true), "server")).toEqual(expected);
  });
});

describe("frames written by our Protocol", () => {
  for (const role of ["client", "server"] as const) {
    const peer = role === "client" ? "server" : "client";

    it(`are accepted by ws's Receiver as a ${peer} (we are the ${role})`, async () => {
      const protocol = new Protocol({ role, maxFrame: 1000 });
      protocol.send(1, "hello");
      protocol.send(2, Uint8Array.from([0, 1, 255]));
      protocol.send(1, "stream ", true);
      protocol.ping("mid");
      protocol.send(1, "of ü", true);
      protocol.send(1, "pieces");
      protocol.send(1, "ü".repeat(1500)); // 3000 bytes: split into frames of 1000
      protocol.send(2, Buffer.alloc(70_000, 7)); // split into 70 frames of 1000 bytes
      protocol.maxFrame = Infinity;
      protocol.send(2, Buffer.alloc(70_000, 9)); // one frame with a 64-bit length
      protocol.pong("beat");
      protocol.close(1000, "bye");
      expect(await wsSees(Buffer.concat(protocol.takeOutgoing()), peer)).toEqual([
        { kind: "message", binary: false, data: hex("hello") },
        { kind: "message", binary: true, data: "0001ff" },
        { kind: "ping", data: hex("mid") },
        { kind: "message", binary: false, data: hex("stream of üpieces") },
        { kind: "message", binary: false, data: hex("ü".repeat(1500)) },
        { kind: "message", binary: true, data: hex(Buffer.alloc(70_000, 7)) },
        { kind: "message", binary: true, data: hex(Buffer.alloc(70_000, 9)) },
        { kind: "pong", data: hex("beat") },
        { kind: "close", code: 1000, reason: "bye" },
      ]);
    });
  }

  it("carry any messages to ws's Receiver exactly, and back from ws's Sender into ours", async () => {
    const message = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }).map((text) => ({ binary: false, data: text as string | Uint8Array })),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ binary: true, data: bytes as string | Uint8Array })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 6 }), fc.integer({ min: 1, max: 200 }), async (messages, maxFrame) => {
        const ours = new Protocol({ role: "client", maxFrame });
        for (const { binary, data } of messages) ours.send(binary ? 2 : 1, data);
        const expected = messages.map(({ binary, data }) => ({ kind: "message", binary, data: hex(Buffer.from(data)) }));
        expect(await wsSees(Buffer.concat(ours.takeOutgoing()), "server")).toEqual(expected);
        const theirs = wsWrites((sender) => {
          for (const { binary, data } of messages) sender.send(Buffer.from(data), { binary, fin: true, mask: true });
        });
        expect(oursSees(theirs, "server")).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
