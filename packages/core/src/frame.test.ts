import { describe, expect, it } from "vitest";
import { ProtocolError } from "./errors.js";
import { FrameReader } from "./frame.js";
import { TEST_KEY, rawFrame, type RawFrame } from "./frames.test-helpers.js";

/** Reads one frame's header and whole payload from `bytes`, fed `pieceSize` bytes at a time. */
function readFrame(bytes: Buffer, role: "server" | "client" = "server", pieceSize = Infinity) {
  const reader = new FrameReader(role);
  const payload: Buffer[] = [];
  let headerDone = false;
  for (let i = 0; i < bytes.length; i += Math.min(pieceSize, bytes.length)) {
    const chunk = Buffer.from(bytes.subarray(i, i + pieceSize));
    let pos = 0;
    if (!headerDone) {
      pos = reader.readHeader(chunk, 0);
      if (pos < 0) continue;
      headerDone = true;
    }
    const end = reader.readPayload(chunk, pos);
    payload.push(chunk.subarray(pos, end));
  }
  return { fin: reader.fin, opcode: reader.opcode, length: reader.length, payload: Buffer.concat(payload), done: reader.inHeader };
}

/** The ProtocolError raised by reading `bytes` (whole, then one byte at a time), as {code, message}. */
function headerError(frame: RawFrame | Buffer, role: "server" | "client" = "server", before: RawFrame[] = []) {
  const bytes = Buffer.concat([...before.map(rawFrame), Buffer.isBuffer(frame) ? frame : rawFrame(frame)]);
  const errors = [Infinity, 1].map((pieceSize) => {
    const reader = new FrameReader(role);
    try {
      for (let i = 0; i < bytes.length; i += Math.min(pieceSize, bytes.length)) {
        const chunk = Buffer.from(bytes.subarray(i, i + pieceSize));
        let pos = 0;
        while (pos < chunk.length) {
          if (reader.inHeader) {
            pos = reader.readHeader(chunk, pos);
            if (pos < 0) break;
          } else {
            pos = reader.readPayload(chunk, pos);
          }
        }
      }
    } catch (error) {
      if (error instanceof ProtocolError) return { code: error.code, message: error.message };
      throw error;
    }
    return undefined;
  });
  expect(errors[1]).toEqual(errors[0]);
  return errors[0];
}

describe("FrameReader", () => {
  it.each([
    ["a 7-bit length", 125, 7],
    ["a 16-bit length", 126, 16],
    ["the largest 16-bit length", 65535, 16],
    ["a 64-bit length", 65536, 64],
    ["a non-minimal 64-bit length", 5, 64],
  ] as const)("reads a frame with %s", (_name, length, lengthForm) => {
    const payload = Buffer.alloc(length, 0x61);
    for (const pieceSize of length > 1000 ? [Infinity, 1000] : [Infinity, 1, 3]) {
      const { payload: received, ...frame } = readFrame(rawFrame({ opcode: 2, payload, lengthForm }), "server", pieceSize);
      expect(frame).toEqual({ fin: true, opcode: 2, length, done: true });
      expect(received.equals(payload)).toBe(true);
    }
  });

  it("unmasks the payload with the frame's key", () => {
    const frame = rawFrame({ opcode: 1, payload: "Hello", mask: TEST_KEY });
    expect(frame.subarray(6).toString()).not.toBe("Hello");
    expect(readFrame(frame).payload.toString()).toBe("Hello");
  });

  it.each([["server", TEST_KEY], ["client", false]] as const)(
    "copies a %s-role payload arriving in pieces into one buffer, unmasked, leaving the chunks as they were",
    (role, mask) => {
      const payload = Buffer.from(Array.from({ length: 1001 }, (_, i) => (i * 7) & 0xff));
      const bytes = rawFrame({ opcode: 2, payload, mask });
      const reader = new FrameReader(role);
      let pos = reader.readHeader(bytes, 0);
      const target = Buffer.alloc(reader.length);
      for (const end of [pos + 3, pos + 500, bytes.length]) {
        const chunk = Buffer.from(bytes.subarray(pos, end));
        expect(reader.readPayloadInto(chunk, 0, target)).toBe(chunk.length);
        expect(chunk.equals(bytes.subarray(pos, end))).toBe(true);
        pos = end;
      }
      expect(target.equals(payload)).toBe(true);
      expect(reader.inHeader).toBe(true);
    },
  );

  it("reads an unmasked frame in the client role", () => {
    expect(readFrame(rawFrame({ opcode: 1, payload: "Hi", mask: false }), "client")).toMatchObject({ opcode: 1, length: 2 });
  });

  it("reads the FIN bit", () => {
    expect(readFrame(rawFrame({ opcode: 1, fin: false, payload: "a" })).fin).toBe(false);
  });

  it("keeps header bytes that arrive in separate chunks", () => {
    const reader = new FrameReader("server");
    const bytes = rawFrame({ opcode: 2, payload: Buffer.alloc(300) });
    expect(reader.readHeader(bytes.subarray(0, 1), 0)).toBe(-1);
    expect(reader.readHeader(bytes.subarray(1, 5), 0)).toBe(-1);
    expect(reader.readHeader(bytes.subarray(5, 10), 0)).toBe(3);
    expect(reader.length).toBe(300);
  });

  it("rejects a reserved bit from the first byte alone, before the rest of the header", () => {
    const reader = new FrameReader("server");
    expect(() => reader.readHeader(Buffer.from([0xc1]), 0)).toThrow("reserved bit RSV1 set without a negotiated extension");
  });

  it.each([
    ["RSV1", { opcode: 1, rsv: 4 }, "reserved bit RSV1 set without a negotiated extension"],
    ["RSV2", { opcode: 1, rsv: 2 }, "reserved bit RSV2 set without a negotiated extension"],
    ["RSV3", { opcode: 1, rsv: 1 }, "reserved bit RSV3 set without a negotiated extension"],
    ["all reserved bits", { opcode: 9, rsv: 7 }, "reserved bits RSV1, RSV2, RSV3 set without a negotiated extension"],
    ["opcode 3", { opcode: 3 }, "reserved opcode 3"],
    ["opcode 7", { opcode: 7 }, "reserved opcode 7"],
    ["opcode 11", { opcode: 11 }, "reserved opcode 11"],
    ["opcode 15", { opcode: 15 }, "reserved opcode 15"],
    ["a fragmented ping", { opcode: 9, fin: false }, "fragmented control frame (opcode 9 without FIN)"],
    ["a fragmented close", { opcode: 8, fin: false }, "fragmented control frame (opcode 8 without FIN)"],
    ["a ping of 126 bytes", { opcode: 9, payload: Buffer.alloc(126) }, "control frame (opcode 9) with a payload over 125 bytes"],
    ["a pong with a 16-bit length", { opcode: 10, payload: Buffer.alloc(5), lengthForm: 16 }, "control frame (opcode 10) with a payload over 125 bytes"],
    ["a continuation without a message", { opcode: 0, payload: "a" }, "continuation frame without a message to continue"],
  ] as const)("fails with 1002 on %s", (_name, frame, message) => {
    expect(headerError(frame)).toEqual({ code: 1002, message });
  });

  it("fails with 1002 on a new data frame inside a fragmented message", () => {
    expect(headerError({ opcode: 1, payload: "b" }, "server", [{ opcode: 1, fin: false, payload: "a" }])).toEqual({
      code: 1002,
      message: "new text frame inside a fragmented message (expected a continuation)",
    });
    expect(headerError({ opcode: 2, payload: "b" }, "server", [{ opcode: 2, fin: false, payload: "a" }])).toEqual({
      code: 1002,
      message: "new binary frame inside a fragmented message (expected a continuation)",
    });
  });

  it("fails with 1002 on a continuation after the message ended", () => {
    const before: RawFrame[] = [{ opcode: 1, fin: false, payload: "a" }, { opcode: 0, payload: "b" }];
    expect(headerError({ opcode: 0, payload: "c" }, "server", before)).toEqual({
      code: 1002,
      message: "continuation frame without a message to continue",
    });
  });

  it("accepts control frames between the fragments of a message", () => {
    const before: RawFrame[] = [{ opcode: 1, fin: false, payload: "a" }, { opcode: 9, payload: "p" }, { opcode: 10 }];
    expect(headerError({ opcode: 0, payload: "b" }, "server", before)).toBeUndefined();
  });

  it("fails with 1002 on an unmasked frame in the server role", () => {
    expect(headerError({ opcode: 1, payload: "a", mask: false }, "server")).toEqual({ code: 1002, message: "unmasked frame from a client" });
  });

  it("fails with 1002 on a masked frame in the client role", () => {
    expect(headerError({ opcode: 1, payload: "a" }, "client")).toEqual({ code: 1002, message: "masked frame from a server" });
  });

  it("fails with 1002 on a 64-bit length with the most significant bit set", () => {
    const header = Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]);
    expect(headerError(header)).toEqual({ code: 1002, message: "64-bit payload length with the most significant bit set" });
  });

  it("fails with 1009 on a 64-bit length beyond 2^53-1", () => {
    const header = Buffer.from([0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    expect(headerError(header)).toEqual({ code: 1009, message: "frame payload length over 2^53-1 bytes is not supported" });
  });
});
