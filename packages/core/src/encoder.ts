// Frame writer (RFC 6455 section 5.2): header and payload, masked with fresh keys in the client role.
import { randomFillSync } from "node:crypto";
import { maskInto, unmaskInPlace } from "./mask.js";

/** Node's direct UTF-8 writer, without `Buffer#write`'s argument juggling. */
interface Utf8Writing {
  utf8Write(text: string, offset: number): number;
}

const hasUtf8Write = typeof (Buffer.prototype as Partial<Utf8Writing>).utf8Write === "function";

/**
 * Writes `text` as UTF-8 into `target` at `offset` (the caller sized `target` for it). The direct
 * writer skips `Buffer#write`'s argument checks: ~2% of a 64-byte text echo's time.
 */
function writeUtf8(target: Buffer, text: string, offset: number): void {
  if (hasUtf8Write) (target as Buffer & Utf8Writing).utf8Write(text, offset);
  else target.write(text, offset);
}

/** Payloads up to this size share one buffer with their header (one write, no Nagle stall). */
const COPY_LIMIT = 16 * 1024;
/** Random bytes drawn at a time for masking keys (2048 keys per refill). */
const RANDOM_POOL_SIZE = 8 * 1024;

let randomPool: Buffer | undefined;
let randomOffset = RANDOM_POOL_SIZE;
const maskKey = Buffer.alloc(4);

/** Fills `maskKey` with 4 fresh random bytes from the pool, refilling it when used up. */
function nextMaskKey(): Buffer {
  if (randomOffset === RANDOM_POOL_SIZE) {
    randomPool ??= Buffer.allocUnsafe(RANDOM_POOL_SIZE);
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  // The pool was created above on first use.
  const pool = randomPool as Buffer;
  maskKey[0] = pool[randomOffset];
  maskKey[1] = pool[randomOffset + 1];
  maskKey[2] = pool[randomOffset + 2];
  maskKey[3] = pool[randomOffset + 3];
  randomOffset += 4;
  return maskKey;
}

/**
 * Encodes one frame and appends it to `out`: one buffer holding header and payload, or, for an
 * unmasked binary payload over 16 KiB, the header followed by a view of `payload` itself (so the
 * caller must not change those bytes until they are written). A string is written as UTF-8 straight
 * into the frame buffer. In masked mode each frame gets a fresh random key and the caller's bytes
 * are never modified.
 *
 * @param out the list of pieces to append to
 * @param opcode the frame's opcode (0-15; not checked)
 * @param fin whether the FIN bit is set
 * @param payload the payload: a string (sent as UTF-8) or bytes
 * @param masked whether to mask the payload (client role)
 * @returns the number of bytes appended
 * @example
 * ```ts
 * const out: Buffer[] = [];
 * encodeFrame(out, WS_MSG_TEXT, true, "hello", false); // out: [<Buffer 81 05 68 65 6c 6c 6f>]
 * ```
 */
export function encodeFrame(out: Buffer[], opcode: number, fin: boolean, payload: string | Uint8Array, masked: boolean): number {
  const isString = typeof payload === "string";
  const length = isString ? Buffer.byteLength(payload) : payload.length;
  const headerLength = (length < 126 ? 2 : length < 0x1_0000 ? 4 : 10) + (masked ? 4 : 0);
  if (!isString && !masked && length > COPY_LIMIT) {
    const header = Buffer.allocUnsafe(headerLength);
    writeHeader(header, 0, opcode, fin, length, false);
    out.push(header, Buffer.from(payload.buffer, payload.byteOffset, length));
    return headerLength + length;
  }
  const frame = Buffer.allocUnsafe(headerLength + length);
  writeFrame(frame, 0, opcode, fin, payload, length, headerLength, masked);
  out.push(frame);
  return headerLength + length;
}

/** Writes a whole frame (header, key, payload) at `offset` of `target`, which has room for it. */
function writeFrame(
  target: Buffer,
  offset: number,
  opcode: number,
  fin: boolean,
  payload: string | Uint8Array,
  length: number,
  headerLength: number,
  masked: boolean,
): void {
  writeHeader(target, offset, opcode, fin, length, masked);
  const start = offset + headerLength;
  if (masked) {
    const key = nextMaskKey();
    key.copy(target, start - 4);
    if (typeof payload === "string") {
      writeUtf8(target, payload, start);
      unmaskInPlace(target, start, start + length, key, 0);
    } else {
      maskInto(payload, key, target, start);
    }
  } else if (typeof payload === "string") {
    writeUtf8(target, payload, start);
  } else {
    target.set(payload, start);
  }
}

/** Frames up to this size are written into the shared slab by {@link FrameQueue}. */
const SLAB_FRAME_LIMIT = 4 * 1024;
/** Size of each shared slab; a full one is left to the views still using it. */
const SLAB_SIZE = 64 * 1024;

let slab = Buffer.allocUnsafe(0);
let slabOffset = 0;

/**
 * A connection's outgoing frames, in order. Small frames are written straight into a slab shared
 * by all connections, and frames written back to back form one piece, so a batch of small
 * replies is one buffer with no per-frame allocation and no join: ~3% of a pipelined 64-byte
 * echo's server time (a Buffer per frame, then a concat per write). Slab bytes are never reused,
 * so a piece stays valid until the socket has written it. Larger frames go through
 * {@link encodeFrame}.
 * @example
 * ```ts
 * const queue = new FrameQueue();
 * queue.push(WS_MSG_TEXT, true, "a", false);
 * queue.push(WS_MSG_TEXT, true, "b", false);
 * socket.write(queue.take()[0]); // both frames, one buffer
 * ```
 */
export class FrameQueue {
  /** Bytes queued. */
  bytes = 0;
  private pieces: Buffer[] = [];
  /** The slab holding the current run of frames, and where the run starts and ends in it. */
  private runSlab: Buffer | undefined = undefined;
  private runStart = 0;
  private runEnd = 0;

  /**
   * Encodes one frame onto the queue (masked with a fresh key when `masked`).
   * @param opcode the frame's opcode (0-15; not checked)
   * @param fin whether the FIN bit is set
   * @param payload the payload: a string (sent as UTF-8) or bytes (an unmasked one over 16 KiB is queued by reference)
   * @param masked whether to mask the payload (client role)
   * @returns the number of bytes queued
   */
  push(opcode: number, fin: boolean, payload: string | Uint8Array, masked: boolean): number {
    const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
    const headerLength = (length < 126 ? 2 : length < 0x1_0000 ? 4 : 10) + (masked ? 4 : 0);
    const size = headerLength + length;
    if (size > SLAB_FRAME_LIMIT) {
      this.endRun();
      encodeFrame(this.pieces, opcode, fin, payload, masked);
    } else {
      if (slabOffset + size > slab.length) {
        slab = Buffer.allocUnsafe(SLAB_SIZE);
        slabOffset = 0;
      }
      // Another connection wrote into the slab since this run's last frame: start a new run.
      if (this.runSlab !== slab || this.runEnd !== slabOffset) {
        this.endRun();
        this.runSlab = slab;
        this.runStart = slabOffset;
      }
      writeFrame(slab, slabOffset, opcode, fin, payload, length, headerLength, masked);
      slabOffset += size;
      this.runEnd = slabOffset;
    }
    this.bytes += size;
    return size;
  }

  /**
   * Hands over the queued frames, in order, for writing; the queue becomes empty.
   * @returns the buffers to write, in order (possibly none)
   */
  take(): Buffer[] {
    this.endRun();
    const pieces = this.pieces;
    this.pieces = [];
    this.bytes = 0;
    return pieces;
  }

  /** Closes the current run of slab frames into one piece. */
  private endRun(): void {
    const run = this.runSlab;
    if (run === undefined) return;
    this.pieces.push(run.subarray(this.runStart, this.runEnd));
    this.runSlab = undefined;
  }
}

/** Writes the first byte, the length fields and the mask bit at `at`; the key (if any) goes after them. */
function writeHeader(target: Buffer, at: number, opcode: number, fin: boolean, length: number, masked: boolean): void {
  target[at] = fin ? 0x80 | opcode : opcode;
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) {
    target[at + 1] = maskBit | length;
  } else if (length < 0x1_0000) {
    target[at + 1] = maskBit | 126;
    target.writeUInt16BE(length, at + 2);
  } else {
    target[at + 1] = maskBit | 127;
    target.writeUInt32BE(Math.floor(length / 0x1_0000_0000), at + 2);
    target.writeUInt32BE(length >>> 0, at + 6);
  }
}
