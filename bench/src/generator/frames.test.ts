import { describe, expect, it } from "vitest";
import { WS_MSG_BINARY, WS_MSG_CLOSE, WS_MSG_TEXT } from "@fiberws/core";
import { encodeClientFrame, encodeCloseFrame, FrameTrain, makeEchoMessages } from "./frames.js";

function unmask(frame: Buffer, headerLength: number): Buffer {
  const key = frame.subarray(headerLength - 4, headerLength);
  const payload = Buffer.from(frame.subarray(headerLength));
  for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  return payload;
}

describe("encodeClientFrame", () => {
  const key = Buffer.from([1, 2, 3, 4]);

  it("writes a 7-bit length, the mask bit and the masked payload", () => {
    const frame = encodeClientFrame(WS_MSG_TEXT, Buffer.from("hello"), key);
    expect([...frame.subarray(0, 2)]).toEqual([0x81, 0x80 | 5]);
    expect(unmask(frame, 6).toString()).toBe("hello");
  });

  it("uses a 16-bit length from 126 bytes and a 64-bit length from 64 KiB", () => {
    const medium = encodeClientFrame(WS_MSG_BINARY, Buffer.alloc(300, 7), key);
    expect(medium[1]).toBe(0x80 | 126);
    expect(medium.readUInt16BE(2)).toBe(300);
    expect(unmask(medium, 8)).toEqual(Buffer.alloc(300, 7));
    const large = encodeClientFrame(WS_MSG_BINARY, Buffer.alloc(70_000, 9), key);
    expect(large[1]).toBe(0x80 | 127);
    expect(large.readUInt32BE(6)).toBe(70_000);
    expect(unmask(large, 14)).toEqual(Buffer.alloc(70_000, 9));
  });

  it("rejects a masking key that is not 4 bytes", () => {
    expect(() => encodeClientFrame(WS_MSG_TEXT, Buffer.alloc(1), Buffer.alloc(3))).toThrow(RangeError);
  });

  it("encodes a close frame carrying status 1000", () => {
    const frame = encodeCloseFrame();
    expect(frame[0]).toBe(0x80 | WS_MSG_CLOSE);
    expect(unmask(frame, 6).readUInt16BE(0)).toBe(1000);
  });
});

describe("makeEchoMessages", () => {
  it("makes distinct printable text payloads whose frames carry them", () => {
    const messages = makeEchoMessages(WS_MSG_TEXT, 64, 8);
    expect(new Set(messages.map((m) => m.payload.toString())).size).toBe(8);
    for (const message of messages) {
      expect(message.payload.toString("latin1")).toMatch(/^[\x20-\x7e]{64}$/);
      expect(unmask(message.frame, 6)).toEqual(message.payload);
      expect(message.maskedPayload).toEqual(message.frame.subarray(6));
    }
  });
});

describe("FrameTrain", () => {
  it("returns consecutive frames as one slice, also across the end of the cycle", () => {
    const messages = makeEchoMessages(WS_MSG_BINARY, 10, 3);
    const train = new FrameTrain(messages);
    const frames = messages.map((m) => m.frame);
    expect(train.slice(0, 3)).toEqual(Buffer.concat(frames));
    expect(train.slice(2, 2)).toEqual(Buffer.concat([frames[2], frames[0]]));
    expect(train.slice(7, 3)).toEqual(Buffer.concat([frames[1], frames[2], frames[0]]));
  });

  it("refuses a slice longer than the cycle", () => {
    const train = new FrameTrain(makeEchoMessages(WS_MSG_TEXT, 4, 2));
    expect(() => train.slice(0, 3)).toThrow(RangeError);
  });
});
