// Incremental UTF-8 validation (RFC 3629) that fails at the first invalid byte, across chunks.
import { isAscii, isUtf8, transcode } from "node:buffer";

/** Spans shorter than this are checked by the byte loop; longer ones by the native bulk check. */
const BULK_THRESHOLD = 128;

/**
 * Validates a UTF-8 byte stream fed in pieces of any size. A piece is checked in bulk except for
 * an incomplete code point at its end, whose state is carried to the next piece; the validator
 * rejects a piece as soon as it holds a byte that cannot continue a valid sequence, so a bad byte
 * is found when it arrives, not when the message ends. Overlong forms, UTF-16 surrogates
 * (U+D800-U+DFFF) and code points above U+10FFFF are invalid.
 *
 * @example
 * ```ts
 * const validator = new Utf8Validator();
 * validator.write(Buffer.from([0xe2, 0x82]), 0, 2); // true: a valid start of "€"
 * validator.write(Buffer.from([0xac]), 0, 1);       // true
 * validator.end();                                  // true: the text is complete
 * ```
 */
export class Utf8Validator {
  /** Continuation bytes still needed by the current code point (0 at a boundary). */
  private need = 0;
  /** Smallest allowed value of the next continuation byte. */
  private low = 0x80;
  /** Largest allowed value of the next continuation byte. */
  private high = 0xbf;

  /**
   * Checks `bytes[start, end)` as the continuation of the stream seen so far.
   *
   * @param bytes the buffer holding the piece
   * @param start index of the piece's first byte
   * @param end index after the piece's last byte
   * @returns false as soon as the stream cannot be valid UTF-8; the validator must then be reset
   */
  write(bytes: Uint8Array, start: number, end: number): boolean {
    let i = start;
    while (this.need > 0 && i < end) {
      if (!this.step(bytes[i])) return false;
      i++;
    }
    if (end - i >= BULK_THRESHOLD) {
      const tail = incompleteTailStart(bytes, i, end);
      if (!isUtf8(new Uint8Array(bytes.buffer, bytes.byteOffset + i, tail - i))) return false;
      i = tail;
    }
    while (i < end) {
      if (this.need === 0) {
        while (i < end && bytes[i] < 0x80) i++;
        if (i === end) break;
      }
      if (!this.step(bytes[i])) return false;
      i++;
    }
    return true;
  }

  /**
   * Ends the stream (the message is complete) and resets the validator for the next one.
   *
   * @returns false when the stream stopped inside a code point
   */
  end(): boolean {
    const complete = this.need === 0;
    this.reset();
    return complete;
  }

  /** Forgets any partial code point: the next byte starts a new stream. */
  reset(): void {
    this.need = 0;
    this.low = 0x80;
    this.high = 0xbf;
  }

  /** Advances the state machine by one byte; false if the byte is not allowed here. */
  private step(byte: number): boolean {
    if (this.need > 0) {
      if (byte < this.low || byte > this.high) return false;
      this.need--;
      this.low = 0x80;
      this.high = 0xbf;
      return true;
    }
    if (byte < 0x80) return true;
    if (byte < 0xc2) return false; // a stray continuation byte, or an overlong 2-byte form
    if (byte < 0xe0) {
      this.need = 1;
    } else if (byte < 0xf0) {
      this.need = 2;
      if (byte === 0xe0) this.low = 0xa0; // overlong 3-byte form
      if (byte === 0xed) this.high = 0x9f; // UTF-16 surrogates
    } else if (byte < 0xf5) {
      this.need = 3;
      if (byte === 0xf0) this.low = 0x90; // overlong 4-byte form
      if (byte === 0xf4) this.high = 0x8f; // above U+10FFFF
    } else {
      return false;
    }
    return true;
  }
}

/**
 * Where the code point that `bytes[start, end)` ends inside begins, or `end` if the span ends at
 * a boundary. Only the last three bytes can belong to an incomplete code point.
 */
function incompleteTailStart(bytes: Uint8Array, start: number, end: number): number {
  const limit = Math.max(start, end - 3);
  for (let i = end - 1; i >= limit; i--) {
    const byte = bytes[i];
    if (byte < 0x80) return end;
    if (byte >= 0xc0) return end - i < sequenceLength(byte) ? i : end;
  }
  return end;
}

/** The number of bytes a sequence starting with `lead` takes (1 for a byte that cannot lead). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

const wholeSpanValidator = new Utf8Validator();

/**
 * Checks that `bytes[start, end)` is, on its own, complete and valid UTF-8.
 *
 * @param bytes the buffer holding the text
 * @param start index of the first byte
 * @param end index after the last byte
 * @returns true when the span is valid UTF-8 that does not end inside a code point
 * @example
 * ```ts
 * isValidUtf8(Buffer.from("héllo"), 0, 6); // true
 * isValidUtf8(Buffer.from([0xc0, 0x80]), 0, 2); // false: overlong NUL
 * ```
 */
export function isValidUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start >= BULK_THRESHOLD) return isUtf8(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start));
  wholeSpanValidator.reset();
  return wholeSpanValidator.write(bytes, start, end) && wholeSpanValidator.end();
}

/** Node's direct UTF-8 decoder on Buffer, skipping `toString`'s argument handling when present. */
interface Utf8Slicing {
  utf8Slice(start: number, end: number): string;
}

const hasUtf8Slice = typeof (Buffer.prototype as Partial<Utf8Slicing>).utf8Slice === "function";

/** From this size on, non-ASCII text decodes faster through ICU's transcoder than through V8. */
const TRANSCODE_THRESHOLD = 2048;

/**
 * Decodes `bytes[start, end)` as UTF-8, exactly as `toString` does (invalid sequences become
 * U+FFFD), by the fastest route for the size: for small spans the direct decoder (a large share
 * of the cost is per call); for large ones a plain copy when the text is ASCII (a compact one-byte
 * string) and otherwise ICU's transcoder to UTF-16, which is several times faster than V8's decoder
 * on non-ASCII text.
 *
 * @param bytes the buffer holding the text
 * @param start index of the first byte
 * @param end index after the last byte
 * @returns the decoded string
 * @example
 * ```ts
 * decodeUtf8(Buffer.from("naïve"), 0, 6); // "naïve"
 * ```
 */
export function decodeUtf8(bytes: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length >= TRANSCODE_THRESHOLD) {
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
    if (isAscii(view)) return bytes.toString("latin1", start, end);
    try {
      return transcode(view, "utf8", "utf16le").toString("utf16le");
    } catch {
      // Invalid UTF-8 (only reachable with validation off): let the decoder substitute U+FFFD.
    }
  }
  return hasUtf8Slice ? (bytes as Buffer & Utf8Slicing).utf8Slice(start, end) : bytes.toString("utf8", start, end);
}
