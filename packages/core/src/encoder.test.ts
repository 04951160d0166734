import { describe, expect, it } from "vitest";
import { encodeFrame, FrameQueue } from "./encoder.js";

/** Splits one encoded frame into its parts (unmasking the payload if masked). */
function decode(pieces: Buffer[]) {
  const bytes = Buffer.concat(pieces);
  const masked = (bytes[1] & 0x80) !== 0;
  let length = bytes[1] & 0x7f;
  let pos = 2;
  if (length === 126) [length, pos] = [bytes.readUInt16BE(2), 4];
  else if (length === 127) [length, pos] = [Number(bytes.readBigUInt64BE(2)), 10];
  const key = masked ? Buffer.from(bytes.subarray(pos, pos + 4)) : undefined;
  if (key) pos += 4;
  const payload = Buffer.from(bytes.subarray(pos));
  if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
  return { fin: (bytes[0] & 0x80) !== 0, rsv: bytes[0] & 0x70, opcode: bytes[0] & 0x0f, length, headerLength: pos, key, payload };
}

describe("encodeFrame", () => {
  it("writes an unmasked text frame as header and payload in one buffer", () => {
    const out: Buffer[] = [];
    expect(encodeFrame(out, 1, true, "Hello", false)).toBe(7);
    expect(out).toEqual([Buffer.from([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])]); // RFC 6455 section 5.7
  });

  it("clears FIN for a frame that is not the last of its message", () => {
    const out: Buffer[] = [];
    encodeFrame(out, 1, false, "Hel", false);
    expect(out[0][0]).toBe(0x01);
  });

  it.each([
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
  ])("encodes a %i-byte payload with a %i-byte header (minimal length form)", (length, headerLength) => {
    const out: Buffer[] = [];
    encodeFrame(out, 2, true, Buffer.alloc(length, 7), false);
    const frame = decode(out);
    expect(frame.length).toBe(length);
    expect(frame.headerLength).toBe(headerLength);
  });

  it("writes a string payload as UTF-8 and counts its bytes, not its characters", () => {
    const out: Buffer[] = [];
    encodeFrame(out, 1, true, "€😀", false);
    expect(decode(out).payload.toString()).toBe("€😀");
    expect(decode(out).length).toBe(7);
  });

  it("masks client frames, setting the mask bit and key, and never sets reserved bits", () => {
    const out: Buffer[] = [];
    encodeFrame(out, 1, true, "masked text", true);
    const frame = decode(out);
    expect(frame.key).toHaveLength(4);
    expect(frame.payload.toString()).toBe("masked text");
    expect(frame.rsv).toBe(0);
    expect(out[0].subarray(6).toString()).not.toBe("masked text");
  });

  it("draws a fresh random key for every frame", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const out: Buffer[] = [];
      encodeFrame(out, 2, true, Buffer.alloc(1), true);
      keys.add(out[0].subarray(2, 6).toString("hex"));
    }
    expect(keys.size).toBeGreaterThan(2990); // 3000 random 32-bit keys rarely collide
  });

  it("masks a caller's bytes into the frame without changing them", () => {
    const data = Buffer.alloc(5000, 0x42);
    const out: Buffer[] = [];
    encodeFrame(out, 2, true, data, true);
    expect(out).toHaveLength(1);
    expect(data.every((byte) => byte === 0x42)).toBe(true);
    expect(decode(out).payload.equals(data)).toBe(true);
  });

  it("copies a small unmasked payload into the frame buffer", () => {
    const data = Uint8Array.from([1, 2, 3]);
    const out: Buffer[] = [];
    encodeFrame(out, 2, true, data, false);
    expect(out).toEqual([Buffer.from([0x82, 3, 1, 2, 3])]);
  });

  it("queues a large unmasked payload as a separate piece that views the caller's bytes", () => {
    const data = new Uint8Array(20_000).fill(9);
    const out: Buffer[] = [];
    expect(encodeFrame(out, 2, true, data, false)).toBe(20_004);
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual(Buffer.from([0x82, 126, 0x4e, 0x20]));
    expect(out[1].buffer).toBe(data.buffer);
  });

  it("writes a masked string straight into a single frame buffer", () => {
    const text = "ü".repeat(40_000);
    const out: Buffer[] = [];
    encodeFrame(out, 1, true, text, true);
    expect(out).toHaveLength(1);
    expect(decode(out).payload.toString()).toBe(text);
  });
});

describe("FrameQueue", () => {
  it("hands back small frames queued back to back as one buffer, in order", () => {
    const queue = new FrameQueue();
    expect(queue.push(1, true, "one", false)).toBe(5);
    queue.push(2, true, Buffer.from([1, 2]), false);
    expect(queue.bytes).toBe(9);
    const pieces = queue.take();
    expect(pieces).toHaveLength(1);
    expect(pieces[0]).toEqual(Buffer.from([0x81, 3, 0x6f, 0x6e, 0x65, 0x82, 2, 1, 2]));
    expect(queue.bytes).toBe(0);
    expect(queue.take()).toEqual([]);
  });

  it("keeps each queue's frames apart and intact when queues interleave", () => {
    const first = new FrameQueue();
    const second = new FrameQueue();
    first.push(1, true, "a", false);
    second.push(1, true, "b", false);
    first.push(1, true, "c", false);
    expect(Buffer.concat(first.take()).toString("latin1")).toBe("\x81\x01a\x81\x01c");
    expect(Buffer.concat(second.take()).toString("latin1")).toBe("\x81\x01b");
  });

  it("never reuses bytes already handed over", () => {
    const queue = new FrameQueue();
    queue.push(1, true, "kept", false);
    const [taken] = queue.take();
    const copy = Buffer.from(taken as Buffer);
    for (let i = 0; i < 100; i++) queue.push(2, true, Buffer.alloc(3000, i), false);
    expect(taken).toEqual(copy);
    expect(Buffer.concat(queue.take()).length).toBe(100 * 3004);
  });

  it("keeps order around a large frame and masks frames in the client role", () => {
    const queue = new FrameQueue();
    const big = Buffer.alloc(20_000, 9);
    queue.push(1, false, "head", true);
    queue.push(0, true, big, false);
    queue.push(1, true, "tail", false);
    const pieces = queue.take();
    const head = pieces[0] as Buffer;
    expect(decode([head])).toMatchObject({ fin: false, opcode: 1, payload: Buffer.from("head") });
    expect(head.length).toBe(2 + 4 + 4);
    const bytes = Buffer.concat(pieces.slice(1));
    expect(bytes.length).toBe(4 + 20_000 + 6);
    expect(bytes.subarray(4, 20_004)).toEqual(big);
    expect(bytes.subarray(20_004).toString("latin1")).toBe("\x81\x04tail");
  });
});
