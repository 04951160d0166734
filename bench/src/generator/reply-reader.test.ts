import { describe, expect, it } from "vitest";
import { WS_MSG_BINARY, WS_MSG_TEXT } from "@fiberws/core";
import { makeEchoMessages, type EchoMessage } from "./frames.js";
import { EchoMismatchError, ReplyReader } from "./reply-reader.js";

/** An unmasked server frame. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, payload.length])
      : Buffer.from([(fin ? 0x80 : 0) | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

function echoes(messages: readonly EchoMessage[]): Buffer {
  return Buffer.concat(messages.map((m) => serverFrame(m.opcode, m.payload)));
}

function feedInPieces(reader: ReplyReader, bytes: Buffer, size: number): number {
  let completed = 0;
  for (let i = 0; i < bytes.length; i += size) completed += reader.feed(bytes.subarray(i, i + size));
  return completed;
}

describe("ReplyReader", () => {
  const messages = makeEchoMessages(WS_MSG_TEXT, 200, 3);

  it("counts correct echoes whatever the chunking, down to one byte at a time", () => {
    const stream = echoes([...messages, ...messages]);
    for (const size of [1, 3, 64, stream.length]) {
      const reader = new ReplyReader(messages);
      expect(feedInPieces(reader, stream, size)).toBe(6);
      expect(reader.echoes).toBe(6);
    }
  });

  it("accepts our own masked frames sent straight back by a byte-level echo", () => {
    const reader = new ReplyReader(messages);
    expect(feedInPieces(reader, Buffer.concat(messages.map((m) => m.frame)), 7)).toBe(3);
  });

  it("reports the first differing byte of a corrupted echo", () => {
    const stream = echoes(messages);
    stream[4 + 200 + 4 + 17] ^= 0x01; // message 1, payload byte 17
    const reader = new ReplyReader(messages);
    expect(() => reader.feed(stream)).toThrow(new EchoMismatchError("echo 1: byte 17 differs from what was sent"));
  });

  it("rejects a corrupted byte in a masked echo", () => {
    const frame = Buffer.from(messages[0].frame);
    frame[frame.length - 1] ^= 0x80;
    expect(() => new ReplyReader(messages).feed(frame)).toThrow(/byte 199 differs/);
  });

  it("rejects echoes out of order, with the wrong type, too short or masked with another key", () => {
    expect(() => new ReplyReader(messages).feed(echoes([messages[1]]))).toThrow(EchoMismatchError);
    const binary = serverFrame(WS_MSG_BINARY, messages[0].payload);
    expect(() => new ReplyReader(messages).feed(binary)).toThrow(/opcode 2, expected 1/);
    const short = serverFrame(WS_MSG_TEXT, messages[0].payload.subarray(0, 199));
    expect(() => new ReplyReader(messages).feed(short)).toThrow(/199 bytes, expected 200/);
    const otherKey = makeEchoMessages(WS_MSG_TEXT, 200, 1)[0].frame;
    expect(() => new ReplyReader(messages).feed(otherKey)).toThrow(/not the one we sent/);
  });

  it("reassembles a fragmented echo and skips a ping between its fragments", () => {
    const payload = messages[0].payload;
    const stream = Buffer.concat([
      serverFrame(WS_MSG_TEXT, payload.subarray(0, 50), false),
      serverFrame(0x9, Buffer.from("ping")),
      serverFrame(0x0, payload.subarray(50), true),
    ]);
    const reader = new ReplyReader(messages);
    expect(feedInPieces(reader, stream, 5)).toBe(1);
  });

  it("notes the close frame and refuses anything after it", () => {
    const reader = new ReplyReader(messages);
    reader.feed(serverFrame(0x8, Buffer.from([0x03, 0xe8])));
    expect(reader.closeReceived).toBe(true);
    expect(() => reader.feed(echoes([messages[0]]))).toThrow(/after the close frame/);
  });
});
