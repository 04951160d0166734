/** @fiberws/core: the RFC 6455 protocol, sans-I/O. */
export * from "./constants.js";
export * from "./protocol.js";
export * from "./handshake.js";
