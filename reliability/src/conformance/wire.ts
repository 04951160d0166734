// Client frames for the conformance cases: one builder per frame kind, and expected echoes.
import { closePayload, encodeClientFrame, OPCODE } from "../frames.js";
import type { ExpectedMessage } from "./case.js";

/** Optional header fields of a frame. */
export interface FrameOptions {
  /** The FIN bit (default true). */
  fin?: boolean;
  /** The RSV bits as a number 0-7 (default 0). */
  rsv?: number;
}

/**
 * A masked client frame.
 * @param opcode any opcode 0-15.
 * @param payload the payload (a string is UTF-8).
 * @param options FIN and RSV.
 * @returns the frame's bytes.
 * @throws RangeError if `opcode` or `rsv` is out of range.
 */
export function frame(opcode: number, payload: string | Uint8Array = "", options: FrameOptions = {}): Buffer {
  const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
  return encodeClientFrame({ opcode, payload: bytes, fin: options.fin ?? true, rsv: options.rsv ?? 0 });
}

/** A text frame. @param payload the text or raw bytes. @param options FIN and RSV. @returns the frame. */
export const textFrame = (payload: string | Uint8Array, options?: FrameOptions): Buffer => frame(OPCODE.TEXT, payload, options);
/** A binary frame. @param payload the bytes. @param options FIN and RSV. @returns the frame. */
export const binaryFrame = (payload: string | Uint8Array, options?: FrameOptions): Buffer => frame(OPCODE.BINARY, payload, options);
/** A continuation frame. @param payload the bytes. @param options FIN and RSV. @returns the frame. */
export const contFrame = (payload: string | Uint8Array, options?: FrameOptions): Buffer => frame(OPCODE.CONT, payload, options);
/** A ping. @param payload the bytes. @param options FIN and RSV. @returns the frame. */
export const pingFrame = (payload: string | Uint8Array = "", options?: FrameOptions): Buffer => frame(OPCODE.PING, payload, options);
/** A pong. @param payload the bytes. @param options FIN and RSV. @returns the frame. */
export const pongFrame = (payload: string | Uint8Array = "", options?: FrameOptions): Buffer => frame(OPCODE.PONG, payload, options);

/**
 * A close frame.
 * @param code the code (any 0-65535), or undefined for an empty payload.
 * @param reason the reason, text or raw bytes.
 * @param options FIN and RSV.
 * @returns the frame.
 */
export function closeFrame(code?: number, reason: string | Uint8Array = "", options?: FrameOptions): Buffer {
  return frame(OPCODE.CLOSE, code === undefined ? "" : closePayload(code, reason), options);
}

/**
 * One message as fragments: the first piece with `opcode`, the rest as continuations, FIN on the last.
 * @param opcode TEXT or BINARY.
 * @param pieces the fragments' payloads.
 * @returns each fragment's frame, in order.
 */
export function fragments(opcode: number, pieces: readonly Uint8Array[]): Buffer[] {
  return pieces.map((piece, index) => frame(index === 0 ? opcode : OPCODE.CONT, piece, { fin: index === pieces.length - 1 }));
}

/**
 * Cut `bytes` into pieces of `size` bytes (the last may be shorter; one empty piece for no bytes).
 * @param bytes the bytes.
 * @param size the piece size.
 * @returns the pieces (views of `bytes`).
 */
export function split(bytes: Uint8Array, size: number): Buffer[] {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (source.length === 0) return [source];
  const pieces: Buffer[] = [];
  for (let at = 0; at < source.length; at += size) pieces.push(source.subarray(at, at + size));
  return pieces;
}

/**
 * `length` bytes of ASCII text that change along the message, so a reordering or a lost piece shows.
 * @param length the byte length.
 * @returns the text.
 */
export function asciiText(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*";
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = alphabet.charCodeAt((i * 7 + (i >> 6)) % alphabet.length);
  return bytes.toString("latin1");
}

/**
 * `length` bytes covering every byte value, shifted along the message.
 * @param length the byte length.
 * @returns the bytes.
 */
export function binaryBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

/** The text echo a case expects. @param data the text. @returns the expected message. */
export const textEcho = (data: string | Uint8Array): ExpectedMessage => ({
  kind: "text",
  data: typeof data === "string" ? data : Buffer.from(data).toString("utf8"),
});
/** The binary echo a case expects. @param data the bytes. @returns the expected message. */
export const binaryEcho = (data: Uint8Array): ExpectedMessage => ({ kind: "binary", data: Buffer.from(data) });
/** The pong a case expects. @param data the ping's payload. @returns the expected message. */
export const pongOf = (data: string | Uint8Array = ""): ExpectedMessage => ({ kind: "pong", data: Buffer.from(data) });
