// Test helpers: hand-built frames (valid or deliberately broken) and feeding bytes to a Protocol.
import { Protocol, type ProtocolEvent, type ProtocolOptions } from "./protocol.js";

/** The fields of a hand-built frame; anything RFC 6455 forbids can be expressed. */
export interface RawFrame {
  opcode: number;
  payload?: Uint8Array | string | number[];
  fin?: boolean;
  /** The three reserved bits as a number 0-7 (RSV1 is 4). */
  rsv?: number;
  /** The masking key, or false for an unmasked frame (default: a fixed key). */
  mask?: Uint8Array | false;
  /** Force the length encoding regardless of the payload size. */
  lengthForm?: 7 | 16 | 64;
  /** Put this length in the header instead of the payload's (nothing is sent beyond the payload). */
  declaredLength?: number;
}

/** A fixed masking key for frames written by a client in tests. */
export const TEST_KEY = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);

/** Builds the bytes of one frame exactly as described, masking the payload if a key is given. */
export function rawFrame(frame: RawFrame): Buffer {
  const payload = Buffer.from(frame.payload ?? []);
  const key = frame.mask === undefined ? TEST_KEY : frame.mask;
  const length = frame.declaredLength ?? payload.length;
  const form = frame.lengthForm ?? (length < 126 ? 7 : length < 0x1_0000 ? 16 : 64);
  const header = Buffer.alloc(2 + (form === 16 ? 2 : form === 64 ? 8 : 0) + (key ? 4 : 0));
  header[0] = ((frame.fin ?? true) ? 0x80 : 0) | ((frame.rsv ?? 0) << 4) | frame.opcode;
  header[1] = (key ? 0x80 : 0) | (form === 16 ? 126 : form === 64 ? 127 : length);
  if (form === 16) header.writeUInt16BE(length, 2);
  if (form === 64) header.writeBigUInt64BE(BigInt(length), 2);
  if (key) header.set(key, header.length - 4);
  const body = Buffer.from(payload);
  if (key) for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([header, body]);
}

/** Builds several frames back to back. */
export function rawFrames(...frames: RawFrame[]): Buffer {
  return Buffer.concat(frames.map(rawFrame));
}

/** Feeds `bytes` to `protocol` in pieces of `pieceSize` (a fresh copy, so the input is left intact). */
export function receiveInPieces(protocol: Protocol, bytes: Uint8Array, pieceSize = Infinity): ProtocolEvent[] {
  const events: ProtocolEvent[] = [];
  const copy = Buffer.from(bytes);
  const step = Math.min(pieceSize, Math.max(copy.length, 1));
  for (let i = 0; i < copy.length; i += step) protocol.receive(copy.subarray(i, i + step), events);
  return events;
}

/** A fresh server-role Protocol (unless `role` says otherwise) fed `bytes`, with its events. */
export function parse(bytes: Uint8Array, options: Partial<ProtocolOptions> = {}, pieceSize = Infinity) {
  const protocol = new Protocol({ role: "server", ...options });
  const events = receiveInPieces(protocol, bytes, pieceSize);
  return { protocol, events };
}

/** A frame parsed back from bytes that a Protocol queued. */
export interface SentFrame {
  opcode: number;
  fin: boolean;
  payload: Buffer;
  masked: boolean;
}

/** Takes the frames a Protocol queued, parsed back with their payloads unmasked. */
export function sentFrames(protocol: Protocol): SentFrame[] {
  return decodeFrames(Buffer.concat(protocol.takeOutgoing()));
}

/** Parses well-formed frames back into their fields, unmasking their payloads. */
export function decodeFrames(bytes: Buffer): SentFrame[] {
  const frames = [];
  let pos = 0;
  while (pos < bytes.length) {
    const fin = (bytes[pos] & 0x80) !== 0;
    const opcode = bytes[pos] & 0x0f;
    const masked = (bytes[pos + 1] & 0x80) !== 0;
    let length = bytes[pos + 1] & 0x7f;
    pos += 2;
    if (length === 126) {
      length = bytes.readUInt16BE(pos);
      pos += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(pos));
      pos += 8;
    }
    const key = masked ? bytes.subarray(pos, pos + 4) : undefined;
    if (key) pos += 4;
    const payload = Buffer.from(bytes.subarray(pos, pos + length));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    pos += length;
    frames.push({ opcode, fin, payload, masked });
  }
  return frames;
}
