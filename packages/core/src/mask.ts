// Masking and unmasking of frame payloads (RFC 6455 section 5.3), in bulk.
import { createRequire } from "node:module";

/** The native masking functions of the `bufferutil` package, when it loads. */
interface NativeMasking {
  mask(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number): void;
  unmask(buffer: Uint8Array, key: Uint8Array): void;
}

function loadNativeMasking(): NativeMasking | undefined {
  try {
    return createRequire(import.meta.url)("bufferutil") as NativeMasking;
  } catch {
    return undefined;
  }
}

const native = loadNativeMasking();

/** Below this many bytes an unrolled loop beats the cost of calling into native code. */
const NATIVE_THRESHOLD = 128;

/** Scratch key rotated so that a payload piece starting mid-key can use the native call. */
const rotatedKey = new Uint8Array(4);

/**
 * XORs `bytes[start, end)` in place with the 4-byte masking `key`, where `bytes[start]` is payload
 * byte number `phase` of the frame (so pieces of one frame arriving in separate chunks unmask
 * correctly). Masking and unmasking are the same operation.
 *
 * @param bytes the buffer holding the payload piece; modified in place
 * @param start index of the first byte to unmask
 * @param end index after the last byte to unmask
 * @param key the frame's 4-byte masking key
 * @param phase the offset of `bytes[start]` within the frame's payload (only `phase & 3` matters)
 * @example
 * ```ts
 * unmaskInPlace(chunk, payloadStart, payloadEnd, maskKey, 0);
 * ```
 */
export function unmaskInPlace(bytes: Uint8Array, start: number, end: number, key: Uint8Array, phase: number): void {
  const length = end - start;
  if (native === undefined || length < NATIVE_THRESHOLD) {
    const k0 = key[phase & 3];
    const k1 = key[(phase + 1) & 3];
    const k2 = key[(phase + 2) & 3];
    const k3 = key[(phase + 3) & 3];
    let i = start;
    for (const last = end - 3; i < last; i += 4) {
      bytes[i] ^= k0;
      bytes[i + 1] ^= k1;
      bytes[i + 2] ^= k2;
      bytes[i + 3] ^= k3;
    }
    if (i < end) bytes[i++] ^= k0;
    if (i < end) bytes[i++] ^= k1;
    if (i < end) bytes[i] ^= k2;
    return;
  }
  native.unmask(new Uint8Array(bytes.buffer, bytes.byteOffset + start, length), keyAtPhase(key, phase));
}

/** `key` rotated so that its first byte applies to payload byte number `phase`. */
function keyAtPhase(key: Uint8Array, phase: number): Uint8Array {
  if ((phase & 3) === 0) return key;
  for (let i = 0; i < 4; i++) rotatedKey[i] = key[(phase + i) & 3];
  return rotatedKey;
}

/**
 * Writes `source` XOR the 4-byte masking `key` into `output` starting at `offset`, leaving
 * `source` untouched (used to mask a caller's data while copying it into a frame).
 *
 * @param source the bytes to mask (all of them)
 * @param key the 4-byte masking key
 * @param output the buffer receiving the masked bytes
 * @param offset where in `output` the masked bytes start
 */
export function maskInto(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number): void {
  unmaskInto(source, 0, source.length, key, 0, output, offset);
}

/**
 * Writes `source[start, end)` XOR the masking `key` into `output` at `offset`, leaving `source`
 * untouched, where `source[start]` is payload byte number `phase` of its frame. This copies a
 * received payload piece out of the socket's chunk and unmasks it in one pass over the bytes,
 * instead of unmasking in place and copying afterwards.
 *
 * @param source the buffer holding the masked piece
 * @param start index of the piece's first byte
 * @param end index after the piece's last byte
 * @param key the frame's 4-byte masking key
 * @param phase the offset of `source[start]` within the frame's payload (only `phase & 3` matters)
 * @param output the buffer receiving the unmasked bytes (room for `end - start` at `offset`)
 * @param offset where in `output` the bytes go
 * @example
 * ```ts
 * unmaskInto(chunk, pos, chunk.length, maskKey, received, message, received);
 * ```
 */
export function unmaskInto(
  source: Uint8Array,
  start: number,
  end: number,
  key: Uint8Array,
  phase: number,
  output: Uint8Array,
  offset: number,
): void {
  const length = end - start;
  if (native === undefined || length < NATIVE_THRESHOLD) {
    for (let i = 0; i < length; i++) output[offset + i] = source[start + i] ^ key[(phase + i) & 3];
    return;
  }
  const piece = start === 0 && end === source.length ? source : new Uint8Array(source.buffer, source.byteOffset + start, length);
  native.mask(piece, keyAtPhase(key, phase), output, offset, length);
}

/** True when the native `bufferutil` masking loaded (false: the plain-loop fallback is used). */
export const nativeMasking: boolean = native !== undefined;
