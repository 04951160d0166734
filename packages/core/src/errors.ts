// The protocol violation raised while parsing peer bytes, carrying its close code.

/**
 * A violation of RFC 6455 by the peer: the close code to fail the connection with and a message
 * that says exactly what was wrong. The parser raises it internally; `Protocol.receive` turns it
 * into an `"error"` event and never lets it escape.
 *
 * @example
 * ```ts
 * const error = new ProtocolError(1002, "reserved opcode 3");
 * error.code;    // 1002
 * error.message; // "reserved opcode 3"
 * ```
 */
export class ProtocolError extends Error {
  /** The close code to fail the connection with: 1002, 1007 or 1009. */
  readonly code: number;

  /**
   * @param code the close code (1002 protocol error, 1007 invalid data, 1009 too big)
   * @param message what the peer did wrong
   */
  constructor(code: number, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}
