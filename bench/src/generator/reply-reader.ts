// Parses the echoes a server sends back (headers and lengths only) and checks every payload byte.
import { WS_MSG_CLOSE, WS_MSG_CONT, WS_MSG_PING, WS_MSG_PONG } from "@fiberws/core";
import type { EchoMessage } from "./frames.js";

/** Thrown when an echo is not exactly the message that was sent. */
export class EchoMismatchError extends Error {
  override name = "EchoMismatchError";
}

/** What the payload of the current frame is: part of an echo, a close frame, or skipped. */
const enum FrameKind {
  Data,
  Close,
  Skip,
}

/**
 * Reads a stream of server frames that must echo a known cycle of messages, in order.
 *
 * A WebSocket server sends unmasked frames (possibly fragmented): each payload byte is compared
 * with the plain payload. A byte-level echo sends our own masked frames back: the masking key
 * must be ours and the masked bytes must equal what we sent, which is the same byte-for-byte
 * check on the plain payload without unmasking. Pings and pongs are skipped; a close frame ends
 * the stream (see `closeReceived`).
 * @example
 * const reader = new ReplyReader(messages);
 * socket.on("data", (chunk) => { completed += reader.feed(chunk); });
 */
export class ReplyReader {
  /** Number of echoes completed so far; the next expected message is `messages[echoes % n]`. */
  echoes = 0;
  /** True once the peer's close frame has been read in full. */
  closeReceived = false;
  private readonly messages: readonly EchoMessage[];
  private stash: Buffer | undefined;
  private frameKind = FrameKind.Data;
  private frameLeft = 0;
  private frameFin = false;
  private messageStarted = false;
  private reference: Buffer = Buffer.alloc(0);
  private messageOffset = 0;

  /**
   * @param messages the cycle of messages being sent, in order.
   * @throws RangeError if `messages` is empty.
   */
  constructor(messages: readonly EchoMessage[]) {
    if (messages.length === 0) throw new RangeError("a reply reader needs at least one message");
    this.messages = messages;
  }

  /**
   * Consume bytes from the server (any chunking).
   * @param chunk the bytes just read; not modified, not retained except a partial header.
   * @returns how many echoes this chunk completed.
   * @throws EchoMismatchError if a frame is not the expected echo or anything follows a close.
   */
  feed(chunk: Buffer): number {
    let bytes = chunk;
    if (this.stash !== undefined) {
      // Only a header split across reads lands here (a few percent of reads at most).
      bytes = Buffer.concat([this.stash, chunk]);
      this.stash = undefined;
    }
    const before = this.echoes;
    const end = bytes.length;
    let pos = 0;
    while (pos < end) {
      if (this.closeReceived) throw new EchoMismatchError("bytes after the close frame");
      if (this.frameLeft > 0) {
        pos = this.consumePayload(bytes, pos, Math.min(this.frameLeft, end - pos));
        continue;
      }
      const payloadStart = this.readHeader(bytes, pos, end);
      if (payloadStart < 0) {
        this.stash = Buffer.from(bytes.subarray(pos));
        break;
      }
      pos = payloadStart;
      if (this.frameLeft === 0) this.endFrame();
    }
    return this.echoes - before;
  }

  /** Parse the frame header at `pos`; returns where its payload starts, or -1 if incomplete. */
  private readHeader(bytes: Buffer, pos: number, end: number): number {
    if (end - pos < 2) return -1;
    const b0 = bytes[pos];
    const b1 = bytes[pos + 1];
    let length = b1 & 0x7f;
    let offset = pos + 2;
    if (length === 126) {
      if (end - offset < 2) return -1;
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      if (end - offset < 8) return -1;
      length = bytes.readUInt32BE(offset) * 0x1_0000_0000 + bytes.readUInt32BE(offset + 4);
      offset += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked && end - offset < 4) return -1;
    const opcode = b0 & 0x0f;
    this.frameFin = (b0 & 0x80) !== 0;
    this.frameLeft = length;
    if (opcode === WS_MSG_CLOSE) {
      this.frameKind = FrameKind.Close;
    } else if (opcode === WS_MSG_PING || opcode === WS_MSG_PONG) {
      this.frameKind = FrameKind.Skip;
    } else {
      this.frameKind = FrameKind.Data;
      this.startData(opcode, length, masked ? bytes.subarray(offset, offset + 4) : undefined);
    }
    return masked ? offset + 4 : offset;
  }

  /** Check a data frame's header against the expected echo and pick the bytes to compare with. */
  private startData(opcode: number, length: number, key: Buffer | undefined): void {
    const expected = this.messages[this.echoes % this.messages.length];
    const wantOpcode = this.messageStarted ? WS_MSG_CONT : expected.opcode;
    if (opcode !== wantOpcode) {
      throw new EchoMismatchError(`echo ${this.echoes}: opcode ${opcode}, expected ${wantOpcode}`);
    }
    if (this.messageOffset + length > expected.payload.length) {
      throw new EchoMismatchError(
        `echo ${this.echoes}: longer than the ${expected.payload.length} bytes sent`,
      );
    }
    if (key === undefined) {
      this.reference = expected.payload;
    } else if (!this.messageStarted && this.frameFin && key.equals(expected.key)) {
      this.reference = expected.maskedPayload;
    } else {
      throw new EchoMismatchError(`echo ${this.echoes}: a masked frame that is not the one we sent`);
    }
    this.messageStarted = true;
  }

  /** Check `count` payload bytes at `pos` (data frames only); returns the new position. */
  private consumePayload(bytes: Buffer, pos: number, count: number): number {
    if (this.frameKind === FrameKind.Data) {
      const from = this.messageOffset;
      if (bytes.compare(this.reference, from, from + count, pos, pos + count) !== 0) {
        const at = from + firstDifference(bytes, pos, this.reference, from, count);
        throw new EchoMismatchError(`echo ${this.echoes}: byte ${at} differs from what was sent`);
      }
      this.messageOffset = from + count;
    }
    this.frameLeft -= count;
    if (this.frameLeft === 0) this.endFrame();
    return pos + count;
  }

  /** A frame's payload is complete: count a finished echo or note the close. */
  private endFrame(): void {
    if (this.frameKind === FrameKind.Close) {
      this.closeReceived = true;
      return;
    }
    if (this.frameKind === FrameKind.Skip || !this.frameFin) return;
    const expected = this.messages[this.echoes % this.messages.length];
    if (this.messageOffset !== expected.payload.length) {
      throw new EchoMismatchError(
        `echo ${this.echoes}: ${this.messageOffset} bytes, expected ${expected.payload.length}`,
      );
    }
    this.echoes++;
    this.messageOffset = 0;
    this.messageStarted = false;
  }
}

/** Index of the first differing byte (only called once a difference is known). */
function firstDifference(bytes: Buffer, pos: number, reference: Buffer, from: number, count: number): number {
  let i = 0;
  while (i < count && bytes[pos + i] === reference[from + i]) i++;
  return i;
}
