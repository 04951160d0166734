// Incremental frame reader: header syntax (RFC 6455 section 5.2), fragment order, payload unmasking.
import {
  WS_MAX_CONTROL,
  WS_MSG_BINARY,
  WS_MSG_CLOSE,
  WS_MSG_CONT,
  WS_MSG_PONG,
  WS_MSG_TEXT,
  WS_STATUS_MESSAGE_TOO_LARGE,
  WS_STATUS_PROTOCOL_ERROR,
} from "./constants.js";
import { ProtocolError } from "./errors.js";
import { unmaskInPlace, unmaskInto } from "./mask.js";

/** Which end of the connection this engine plays: servers receive masked frames, clients unmasked. */
export type Role = "server" | "client";

/** 2^32, to combine the two halves of a 64-bit length. */
const TWO_TO_32 = 0x1_0000_0000;
/** Largest high half of a 64-bit length whose value stays an exact JavaScript number. */
const MAX_SAFE_HIGH = 0x1f_ffff;
/** The reserved bits of a frame's first byte, with their names in RFC 6455. */
const RESERVED_BITS: ReadonlyArray<readonly [number, string]> = [[0x40, "RSV1"], [0x20, "RSV2"], [0x10, "RSV3"]];

/**
 * Reads frames from bytes arriving in chunks of any size: first the header (validated byte by
 * byte as it arrives, so a bad first byte fails before the rest of the header comes), then the
 * payload, unmasked in place piece by piece. It also enforces the order of fragments: a
 * continuation needs a message to continue, and a new data frame may not start inside one.
 *
 * After `readHeader` returns a position, the current frame's fields (`fin`, `opcode`,
 * `messageType`, `length`) are valid until the next header starts.
 *
 * @example
 * ```ts
 * const reader = new FrameReader("server");
 * let pos = reader.readHeader(chunk, 0); // -1 if the header is incomplete
 * const end = reader.readPayload(chunk, pos); // payload is chunk[pos, end), unmasked
 * ```
 */
export class FrameReader {
  /** The role whose incoming frames this reader checks. */
  readonly role: Role;
  /** FIN bit of the current frame. */
  fin = false;
  /** Opcode of the current frame (0 for a continuation). */
  opcode = 0;
  /** For a data frame, the type of the message it belongs to: 1 text or 2 binary. */
  messageType = 0;
  /** Payload length of the current frame. */
  length = 0;
  /** Payload bytes of the current frame not yet read. */
  remaining = 0;
  /** True while the next bytes belong to a frame header. */
  inHeader = true;

  private masked = false;
  /** The current frame's masking key, its four bytes big-endian in one number. */
  private maskWord = 0;
  /** Header bytes gathered while a header arrives split across chunks (made on first need). */
  private partialHeader: Uint8Array | undefined = undefined;
  private partialFill = 0;
  /** Type of the fragmented message in progress (0 when none). */
  private openMessageType = 0;

  /** @param role the role of this end: a server expects masked frames, a client unmasked ones. */
  constructor(role: Role) {
    this.role = role;
  }

  /**
   * Reads (the rest of) a frame header starting at `chunk[pos]`.
   *
   * @param chunk bytes from the peer
   * @param pos where the header (or its remainder) starts
   * @returns the position after the header, or -1 when the chunk ended inside it (the bytes are kept)
   * @throws ProtocolError 1002 for reserved bits, reserved opcodes, fragmented or oversized control
   *   frames, out-of-order fragments, wrong masking for the role or a 64-bit length with the top
   *   bit set; 1009 for a length beyond 2^53-1
   */
  readHeader(chunk: Uint8Array, pos: number): number {
    if (this.partialFill === 0 && chunk.length - pos >= 2) {
      const size = headerSize(chunk[pos + 1]);
      if (chunk.length - pos >= size) {
        this.checkFirstByte(chunk[pos]);
        this.checkSecondByte(chunk[pos + 1]);
        this.finishHeader(chunk, pos);
        return pos + size;
      }
    }
    const header = (this.partialHeader ??= new Uint8Array(14));
    while (pos < chunk.length) {
      const byte = chunk[pos++];
      const fill = ++this.partialFill;
      header[fill - 1] = byte;
      if (fill === 1) this.checkFirstByte(byte);
      else if (fill === 2) this.checkSecondByte(byte);
      if (fill >= 2 && fill === headerSize(header[1])) {
        this.partialFill = 0;
        this.finishHeader(header, 0);
        return pos;
      }
    }
    return -1;
  }

  /**
   * Takes the next piece of the current frame's payload from `chunk[pos]` on, unmasking it in place.
   *
   * @param chunk bytes from the peer
   * @param pos where the payload piece starts
   * @returns the position after the piece: the piece is `chunk[pos, end)`
   */
  readPayload(chunk: Uint8Array, pos: number): number {
    const end = Math.min(chunk.length, pos + this.remaining);
    if (this.masked) unmaskInPlace(chunk, pos, end, keyBytes(this.maskWord), this.length - this.remaining);
    return this.consumed(end - pos, end);
  }

  /**
   * Copies the next piece of the current frame's payload from `chunk[pos]` on into `target`,
   * unmasked, at the piece's own offset within the payload (so `target`, of the frame's length,
   * fills up as pieces arrive); `chunk` is left as it was.
   *
   * @param chunk bytes from the peer
   * @param pos where the payload piece starts
   * @param target receives the payload; at least the frame's length
   * @returns the position after the piece in `chunk`
   */
  readPayloadInto(chunk: Uint8Array, pos: number, target: Uint8Array): number {
    const end = Math.min(chunk.length, pos + this.remaining);
    const offset = this.length - this.remaining;
    if (this.masked) unmaskInto(chunk, pos, end, keyBytes(this.maskWord), offset, target, offset);
    else target.set(chunk.subarray(pos, end), offset);
    return this.consumed(end - pos, end);
  }

  /** Counts `taken` payload bytes as read; returns `end`. */
  private consumed(taken: number, end: number): number {
    this.remaining -= taken;
    if (this.remaining === 0) this.inHeader = true;
    return end;
  }

  private checkFirstByte(byte: number): void {
    const reserved = byte & 0x70;
    if (reserved !== 0) {
      const names = RESERVED_BITS.filter(([bit]) => (reserved & bit) !== 0).map(([, name]) => name);
      const bits = names.length > 1 ? "bits" : "bit";
      throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, `reserved ${bits} ${names.join(", ")} set without a negotiated extension`);
    }
    const opcode = byte & 0x0f;
    const fin = (byte & 0x80) !== 0;
    if (opcode >= WS_MSG_CLOSE) {
      if (opcode > WS_MSG_PONG) throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, `reserved opcode ${opcode}`);
      if (!fin) throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, `fragmented control frame (opcode ${opcode} without FIN)`);
    } else if (opcode === WS_MSG_CONT) {
      if (this.openMessageType === 0) {
        throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, "continuation frame without a message to continue");
      }
      this.messageType = this.openMessageType;
      if (fin) this.openMessageType = 0;
    } else if (opcode === WS_MSG_TEXT || opcode === WS_MSG_BINARY) {
      if (this.openMessageType !== 0) {
        const kind = opcode === WS_MSG_TEXT ? "text" : "binary";
        throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, `new ${kind} frame inside a fragmented message (expected a continuation)`);
      }
      this.messageType = opcode;
      if (!fin) this.openMessageType = opcode;
    } else {
      throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, `reserved opcode ${opcode}`);
    }
    this.fin = fin;
    this.opcode = opcode;
  }

  private checkSecondByte(byte: number): void {
    const masked = (byte & 0x80) !== 0;
    if (this.role === "server" && !masked) throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, "unmasked frame from a client");
    if (this.role === "client" && masked) throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, "masked frame from a server");
    if (this.opcode >= WS_MSG_CLOSE && (byte & 0x7f) > WS_MAX_CONTROL) {
      throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, `control frame (opcode ${this.opcode}) with a payload over ${WS_MAX_CONTROL} bytes`);
    }
    this.masked = masked;
  }

  /** Reads the length and masking key of a header whose first two bytes are already checked. */
  private finishHeader(bytes: Uint8Array, pos: number): void {
    const short = bytes[pos + 1] & 0x7f;
    let offset = pos + 2;
    let length = short;
    if (short === 126) {
      length = (bytes[offset] << 8) | bytes[offset + 1];
      offset += 2;
    } else if (short === 127) {
      const high = readUint32(bytes, offset);
      if (high >= 0x8000_0000) {
        throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, "64-bit payload length with the most significant bit set");
      }
      if (high > MAX_SAFE_HIGH) {
        throw new ProtocolError(WS_STATUS_MESSAGE_TOO_LARGE, "frame payload length over 2^53-1 bytes is not supported");
      }
      length = high * TWO_TO_32 + readUint32(bytes, offset + 4);
      offset += 8;
    }
    if (this.masked) this.maskWord = readUint32(bytes, offset);
    this.length = length;
    this.remaining = length;
    this.inHeader = length === 0;
  }
}

/**
 * One key array shared by every reader, filled just before each unmasking: the unmasking is
 * synchronous, and a 4-byte typed array per connection held ~200 bytes of heap.
 */
const sharedKey = new Uint8Array(4);

/** `word`'s four bytes, big-endian, in the shared key array. */
function keyBytes(word: number): Uint8Array {
  sharedKey[0] = word >>> 24;
  sharedKey[1] = (word >>> 16) & 0xff;
  sharedKey[2] = (word >>> 8) & 0xff;
  sharedKey[3] = word & 0xff;
  return sharedKey;
}

/** The size of a header whose second byte is `second`: base, extended length and masking key. */
function headerSize(second: number): number {
  const short = second & 0x7f;
  return 2 + (short === 126 ? 2 : short === 127 ? 8 : 0) + ((second & 0x80) !== 0 ? 4 : 0);
}

function readUint32(bytes: Uint8Array, pos: number): number {
  return bytes[pos] * 0x100_0000 + ((bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3]);
}
