/** @fiberws/core: the RFC 6455 protocol, sans-I/O. */
export * from "./constants.js";
