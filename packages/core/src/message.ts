// Message reassembly: joins data frames into messages (or delivers them frame by frame), with limits.
import { StringDecoder } from "node:string_decoder";
import { WS_MSG_BINARY, WS_MSG_TEXT, WS_STATUS_INVALID_UTF8, WS_STATUS_MESSAGE_TOO_LARGE } from "./constants.js";
import { ProtocolError } from "./errors.js";
import { Utf8Validator, decodeUtf8 } from "./utf8.js";

/** A data message, or in partial-delivery mode a piece of one. */
export interface MessageEvent {
  kind: "message";
  /** 1 (`WS_MSG_TEXT`): `data` is a string; 2 (`WS_MSG_BINARY`): `data` is a Buffer. */
  type: 1 | 2;
  /** The message (or piece). */
  data: string | Buffer;
  /** False only in partial-delivery mode, for a piece that is not the message's last. */
  last: boolean;
  /** The byte length of `data` (UTF-8 bytes for a string). */
  length: number;
}

/** The settings reassembly reads at every frame (the `Protocol` passes itself). */
export interface MessageSettings {
  /** Largest message in bytes; a message growing past it fails with 1009. */
  maxMessage: number;
  /** Whether text must be valid UTF-8 (1007 otherwise). */
  validateUTF: boolean;
  /** Whether each data frame is delivered as it completes instead of whole messages. */
  partial: boolean;
}

/**
 * Turns the payload pieces of data frames into message events. A frame that arrived whole inside
 * one chunk is delivered as a view of that chunk (binary) or decoded straight from it (text), with
 * no copy. A frame spanning chunks is kept as views of them until a fair share of it has
 * arrived, then moved into a buffer of its own and copied there piece by piece (see
 * {@link MessageAssembler.startSpanningFrame}); that buffer is the message when the frame is the
 * whole message. The frames of a fragmented message are kept (as views or their buffers) and joined
 * once, at the end. Text is validated as each piece arrives, so invalid UTF-8 fails at once. In
 * partial mode, text pieces never split a code point: an incomplete trailing sequence is carried
 * over.
 *
 * @example
 * ```ts
 * const assembler = new MessageAssembler({ maxMessage: 1 << 20, validateUTF: true, partial: false });
 * assembler.beginFrame(payload.length);
 * assembler.addPayload(payload, 0, payload.length, WS_MSG_TEXT, true, true, events);
 * ```
 */
export class MessageAssembler {
  private readonly settings: MessageSettings;
  private readonly validator = new Utf8Validator();
  /** Payload bytes of the current message announced by frame headers so far. */
  private messageSize = 0;
  /** Payload pieces waiting to be joined: of the message, or in partial mode of the frame. */
  private pieces: Buffer[] = [];
  private piecesLength = 0;
  /** Carries incomplete code points between text pieces in partial mode (created on first use). */
  private decoder: StringDecoder | undefined;
  /** Whether the current message already delivered a piece (partial mode). */
  private delivering = false;
  /** The buffer of the data frame being copied out of the chunks it spans, until it is complete. */
  private spanning: Buffer | undefined = undefined;
  /** Where the current data frame's own pieces start in {@link MessageAssembler.pieces}. */
  private frameFirstPiece = 0;

  /** @param settings the limits and modes, read afresh at every frame */
  constructor(settings: MessageSettings) {
    this.settings = settings;
  }

  /**
   * Accounts for a data frame whose header just arrived, before any of its payload is buffered.
   *
   * @param length the frame's payload length
   * @throws ProtocolError 1009 when the message would grow past `maxMessage`
   */
  beginFrame(length: number): void {
    const size = this.messageSize + length;
    if (size > this.settings.maxMessage) {
      throw new ProtocolError(
        WS_STATUS_MESSAGE_TOO_LARGE,
        `message of ${size === length ? "" : "at least "}${size} bytes exceeds maxMessage ${this.settings.maxMessage}`,
      );
    }
    this.messageSize = size;
    this.frameFirstPiece = this.pieces.length;
  }

  /**
   * The buffer of the current data frame, when it spans chunks and is being copied into it.
   * @returns the buffer from {@link MessageAssembler.startSpanningFrame}, until its frame is complete
   */
  get spanningFrame(): Buffer | undefined {
    return this.spanning;
  }

  /**
   * Copies the current data frame, which spans chunks, into a buffer of its own from now on:
   * the caller copies each further piece, unmasked, into the returned buffer at the piece's
   * offset in the frame, and passes that region to `addPayload` with this buffer as the chunk.
   * The pieces of the frame kept so far (views, already unmasked) are moved into it first. The
   * frame's pieces then need no joining, and the chunks they came from are not kept alive until
   * the frame completes. The buffer is allocated whole, so the frame's length must already have
   * passed the limits, and the caller decides how much of the frame must have arrived first.
   * @param length the frame's payload length
   * @returns the buffer to copy the rest of the frame's payload into
   */
  startSpanningFrame(length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    const pieces = this.pieces;
    let offset = 0;
    for (let i = this.frameFirstPiece; i < pieces.length; i++) offset += pieces[i].copy(buffer, offset);
    if (offset > 0) {
      pieces.length = this.frameFirstPiece;
      this.piecesLength -= offset;
    }
    this.spanning = buffer;
    return buffer;
  }

  /**
   * Takes a piece of a data frame's payload (already unmasked) and appends the events it completes.
   *
   * @param chunk the buffer holding the piece (a delivered Buffer may be a view of it), or the
   *   spanning frame's buffer, holding the piece at its offset in the frame
   * @param start index of the piece's first byte
   * @param end index after the piece's last byte
   * @param type the message type: 1 text, 2 binary
   * @param frameStart whether the piece starts its frame's payload
   * @param frameEnd whether the piece ends its frame's payload
   * @param fin whether the frame is the message's last
   * @param events where to append the resulting message events
   * @throws ProtocolError 1007 for invalid UTF-8 in a text message (when validating)
   */
  addPayload(
    chunk: Buffer,
    start: number,
    end: number,
    type: 1 | 2,
    frameStart: boolean,
    frameEnd: boolean,
    fin: boolean,
    events: { push(event: MessageEvent): number },
  ): void {
    const settings = this.settings;
    const text = type === WS_MSG_TEXT;
    const messageEnd = fin && frameEnd;
    if (messageEnd && frameStart && this.pieces.length === 0 && !this.delivering) {
      // The whole message is this piece: delivered as it is, with no copy.
      this.messageSize = 0;
      if (!text) {
        events.push({ kind: "message", type: WS_MSG_BINARY, data: chunk.subarray(start, end), last: true, length: end - start });
        return;
      }
      const data = decodeUtf8(chunk, start, end);
      // The decoder turns every invalid sequence into U+FFFD, so text without one was valid
      // UTF-8: only text holding one is checked byte by byte (the byte loop cost ~0.2 us of
      // the ~10 us from a 64-byte message's read to its echo's write, benchmark a).
      if (settings.validateUTF && data.includes("\uFFFD")) this.validate(chunk, start, end, true);
      events.push({ kind: "message", type: WS_MSG_TEXT, data, last: true, length: end - start });
      return;
    }
    if (text && settings.validateUTF) this.validate(chunk, start, end, messageEnd);
    const deliverNow = settings.partial ? frameEnd : messageEnd;
    if (chunk === this.spanning) {
      if (frameEnd) this.keepPiece(chunk);
    } else if (end > start) {
      this.keepPiece(chunk.subarray(start, end));
    }
    if (!deliverNow) return;
    const bytes = this.takePieces();
    if (messageEnd) {
      this.messageSize = 0;
      this.delivering = false;
    } else {
      this.delivering = true;
    }
    if (!text) {
      events.push({ kind: "message", type: WS_MSG_BINARY, data: bytes, last: messageEnd, length: bytes.length });
    } else if (!settings.partial) {
      events.push({ kind: "message", type: WS_MSG_TEXT, data: decodeUtf8(bytes, 0, bytes.length), last: true, length: bytes.length });
    } else {
      const decoder = (this.decoder ??= new StringDecoder("utf8"));
      const data = messageEnd ? decoder.end(bytes) : decoder.write(bytes);
      events.push({ kind: "message", type: WS_MSG_TEXT, data, last: messageEnd, length: Buffer.byteLength(data) });
    }
  }

  /**
   * Checks the next piece of a text message as UTF-8.
   * @throws ProtocolError 1007 for invalid UTF-8, or text that ends inside a code point at `messageEnd`
   */
  private validate(chunk: Buffer, start: number, end: number, messageEnd: boolean): void {
    if (!this.validator.write(chunk, start, end)) {
      throw new ProtocolError(WS_STATUS_INVALID_UTF8, "invalid UTF-8 in text message");
    }
    if (messageEnd && !this.validator.end()) {
      throw new ProtocolError(WS_STATUS_INVALID_UTF8, "text message ends inside a UTF-8 sequence");
    }
  }

  /** Keeps a piece (a view or a complete spanning frame) until its message (or frame) is delivered. */
  private keepPiece(piece: Buffer): void {
    if (piece === this.spanning) this.spanning = undefined;
    this.pieces.push(piece);
    this.piecesLength += piece.length;
  }

  /** Joins and forgets the waiting pieces (no copy when there is only one). */
  private takePieces(): Buffer {
    const pieces = this.pieces;
    const bytes = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, this.piecesLength);
    this.pieces = [];
    this.piecesLength = 0;
    return bytes;
  }
}
