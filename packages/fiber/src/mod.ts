/** @fiberws/fiber: the fiber runtime on effection, and WebSocket connections as fibers. */
export * from "./runtime/mod.js";
export * from "./websocket/mod.js";
