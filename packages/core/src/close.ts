// Close codes and close frame payloads (RFC 6455 sections 5.5.1 and 7.4).
import { WS_STATUS_INVALID_UTF8, WS_STATUS_NO_STATUS, WS_STATUS_PROTOCOL_ERROR } from "./constants.js";
import { ProtocolError } from "./errors.js";
import { isValidUtf8 } from "./utf8.js";

/** The largest close reason in bytes: a control payload of 125 minus the 2-byte code. */
export const MAX_CLOSE_REASON = 123;

/** A close frame's content: its status code (1005 when it carried none) and reason. */
export interface CloseInfo {
  /** The status code; 1005 (`WS_STATUS_NO_STATUS`) when the frame carried no code. */
  code: number;
  /** The reason text, possibly empty. */
  reason: string;
}

/**
 * Whether `code` may appear in a close frame on the wire: 1000-1003, 1007-1014 (the defined
 * codes except the reserved 1004 and the local-only 1005, 1006 and 1015) and 3000-4999 (registered
 * and private codes).
 *
 * @param code the status code
 * @returns true when the code may be sent and must be accepted
 * @example
 * ```ts
 * isValidCloseCode(1000); // true
 * isValidCloseCode(1005); // false: only reported locally
 * ```
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
  );
}

/**
 * Builds the payload of a close frame.
 *
 * @param code the status code, or undefined for a close frame with an empty payload
 * @param reason the reason text (at most 123 bytes of UTF-8); must be empty when `code` is undefined
 * @returns the payload bytes
 * @throws RangeError when the code cannot be sent, the reason is too long, or a reason comes without a code
 * @example
 * ```ts
 * encodeClosePayload(1000, "bye"); // <Buffer 03 e8 62 79 65>
 * ```
 */
export function encodeClosePayload(code: number | undefined, reason = ""): Buffer {
  if (code === undefined) {
    if (reason !== "") throw new RangeError("a close reason needs a close code");
    return Buffer.alloc(0);
  }
  if (!Number.isInteger(code) || !isValidCloseCode(code)) {
    throw new RangeError(`close code ${code} cannot be sent (valid: 1000-1003, 1007-1014, 3000-4999)`);
  }
  const reasonLength = Buffer.byteLength(reason);
  if (reasonLength > MAX_CLOSE_REASON) {
    throw new RangeError(`close reason of ${reasonLength} bytes exceeds ${MAX_CLOSE_REASON}`);
  }
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/**
 * Reads the payload of a received close frame.
 *
 * @param payload the unmasked payload (0 to 125 bytes)
 * @param validateUTF whether to reject a reason that is not valid UTF-8
 * @returns the code (1005 for an empty payload) and reason
 * @throws ProtocolError 1002 for a 1-byte payload or a code that is invalid on the wire, 1007 for
 *   a reason that is not valid UTF-8
 */
export function decodeClosePayload(payload: Uint8Array, validateUTF: boolean): CloseInfo {
  if (payload.length === 0) return { code: WS_STATUS_NO_STATUS, reason: "" };
  if (payload.length === 1) {
    throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, "close frame payload of 1 byte (a close code takes 2)");
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isValidCloseCode(code)) {
    throw new ProtocolError(WS_STATUS_PROTOCOL_ERROR, `invalid close code ${code} in close frame`);
  }
  if (validateUTF && !isValidUtf8(payload, 2, payload.length)) {
    throw new ProtocolError(WS_STATUS_INVALID_UTF8, "invalid UTF-8 in close reason");
  }
  return { code, reason: Buffer.from(payload.buffer, payload.byteOffset + 2, payload.length - 2).toString() };
}
