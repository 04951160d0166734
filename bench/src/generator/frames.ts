// Builds the masked client frames the load generator sends and the echoes it expects back.
import { randomBytes } from "node:crypto";
import { WS_MSG_BINARY, WS_MSG_CLOSE, WS_MSG_TEXT, WS_STATUS_OK } from "@fiberws/core";

/** A data opcode the generator sends: text or binary. */
export type DataOpcode = typeof WS_MSG_TEXT | typeof WS_MSG_BINARY;

/** One message of a workload: its plain payload and the masked frame that carries it. */
export interface EchoMessage {
  /** WS_MSG_TEXT or WS_MSG_BINARY. */
  readonly opcode: DataOpcode;
  /** The payload as the application sees it (what a WebSocket server must echo). */
  readonly payload: Buffer;
  /** The 4-byte masking key of `frame`. */
  readonly key: Buffer;
  /** The whole client frame: header, key and masked payload. */
  readonly frame: Buffer;
  /** The masked payload inside `frame` (what a byte-level echo sends back). */
  readonly maskedPayload: Buffer;
}

/**
 * Encode one masked, final client frame.
 * @param opcode the frame's opcode (data or control).
 * @param payload the plain payload.
 * @param key the 4-byte masking key.
 * @returns a new buffer: header, key, masked payload.
 * @throws RangeError if `key` is not 4 bytes.
 * @example
 * const frame = encodeClientFrame(WS_MSG_TEXT, Buffer.from("hi"), randomBytes(4));
 */
export function encodeClientFrame(opcode: number, payload: Buffer, key: Buffer): Buffer {
  if (key.length !== 4) throw new RangeError(`a masking key has 4 bytes, not ${key.length}`);
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const headerLength = 2 + lengthBytes + 4;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) {
    frame[1] = 0x80 | length;
  } else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  key.copy(frame, headerLength - 4);
  // Frames are built once before a run, so a plain loop is fast enough here.
  for (let i = 0; i < length; i++) frame[headerLength + i] = payload[i] ^ key[i & 3];
  return frame;
}

/**
 * Make `count` distinct messages of `size` bytes, each with its own masking key: text payloads
 * are printable ASCII, binary ones random bytes. Cycling through several distinct messages lets
 * the checker notice an echo that is reordered, repeated or lost.
 * @param opcode WS_MSG_TEXT or WS_MSG_BINARY.
 * @param size payload bytes per message.
 * @param count how many distinct messages (at least 1).
 * @returns the messages, in sending order.
 * @throws RangeError if `count` < 1 or `size` < 0.
 * @example
 * const messages = makeEchoMessages(WS_MSG_TEXT, 64, 16);
 */
export function makeEchoMessages(opcode: DataOpcode, size: number, count: number): EchoMessage[] {
  if (count < 1 || size < 0) throw new RangeError(`need count >= 1 and size >= 0, got ${count}, ${size}`);
  const messages: EchoMessage[] = [];
  for (let i = 0; i < count; i++) {
    const payload = randomBytes(size);
    if (opcode === WS_MSG_TEXT) {
      for (let j = 0; j < size; j++) payload[j] = 0x20 + (payload[j] % 95);
    }
    const key = randomBytes(4);
    const frame = encodeClientFrame(opcode, payload, key);
    const maskedPayload = frame.subarray(frame.length - size);
    messages.push({ opcode, payload, key, frame, maskedPayload });
  }
  return messages;
}

/**
 * A masked close frame with a status code and no reason.
 * @param code the close status (default 1000).
 * @returns the frame.
 */
export function encodeCloseFrame(code: number = WS_STATUS_OK): Buffer {
  const payload = Buffer.allocUnsafe(2);
  payload.writeUInt16BE(code, 0);
  return encodeClientFrame(WS_MSG_CLOSE, payload, randomBytes(4));
}

/**
 * The frames of a message cycle laid out twice in one buffer, so that any run of up to
 * `messages.length` consecutive frames is one contiguous slice: a batch of replies is answered
 * with a single socket write and no copying.
 */
export class FrameTrain {
  /** The messages, in sending order. */
  readonly messages: readonly EchoMessage[];
  private readonly bytes: Buffer;
  private readonly offsets: number[];

  /**
   * @param messages the message cycle (at least one).
   * @throws RangeError if `messages` is empty.
   */
  constructor(messages: readonly EchoMessage[]) {
    if (messages.length === 0) throw new RangeError("a frame train needs at least one message");
    this.messages = messages;
    const frames = messages.map((m) => m.frame);
    this.bytes = Buffer.concat([...frames, ...frames]);
    this.offsets = [0];
    for (const frame of [...frames, ...frames]) this.offsets.push(this.offsets[this.offsets.length - 1] + frame.length);
  }

  /**
   * The frames of messages `sequence`, `sequence + 1`, ... (`count` of them) as one slice.
   * @param sequence the sequence number of the first message (any non-negative integer).
   * @param count how many frames, at most `messages.length`.
   * @returns a view into the train (not a copy).
   * @throws RangeError if `count` exceeds the cycle length.
   */
  slice(sequence: number, count: number): Buffer {
    if (count > this.messages.length) {
      throw new RangeError(`a slice holds at most ${this.messages.length} frames, not ${count}`);
    }
    const first = sequence % this.messages.length;
    return this.bytes.subarray(this.offsets[first], this.offsets[first + count]);
  }
}
