/** The users' vitest kit: scoped test operations, loopback connections, controlled time. */
export { scopedTest } from "./scoped-test.js";
export { useLoopbackPair, useLoopbackSockets } from "./loopback.js";
export type { LoopbackPair, LoopbackPairOptions, LoopbackSockets } from "./loopback.js";
export { TestClock, useTestClock } from "./test-clock.js";
export { nextMessage } from "./next-message.js";
