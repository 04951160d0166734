/** @fiberws/core: the RFC 6455 protocol, sans-I/O. */
export * from "./constants.js";
export * from "./protocol.js";
export * from "./handshake.js";
export { ProtocolError } from "./errors.js";
export { isValidCloseCode, encodeClosePayload, decodeClosePayload, MAX_CLOSE_REASON } from "./close.js";
export { Utf8Validator, isValidUtf8 } from "./utf8.js";
export { encodeFrame } from "./encoder.js";
export { headerHasToken, isToken } from "./http-tokens.js";
