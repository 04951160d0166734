/** Shared helpers of the reliability tests: wire frames, a raw client, fuzz cases, live servers. */
export { OPCODE, encodeClientFrame, closePayload, ServerFrameReader, MalformedFrameError, isSendableCloseCode } from "./frames.js";
export type { FrameSpec, ServerFrame, ServerMessage } from "./frames.js";
export { RawClient, upgradeRequest, UPGRADE_KEY } from "./raw-client.js";
export type { HttpHead, ClosedOutcome } from "./raw-client.js";
export { SeededRandom, runSeed } from "./random.js";
export { generateFuzzCase } from "./fuzz-cases.js";
export type { FuzzCase, FuzzKind, FuzzExpectation, FuzzLimits, EchoMessage } from "./fuzz-cases.js";
export { judgeFuzzCase } from "./fuzz-judge.js";
export { startLiveServer, liveConfig } from "./live-server.js";
export type { LiveServer, ConfigChanges } from "./live-server.js";
export { onEcho, addEcho, ECHO_PREFIX } from "./echo.js";
export { addCounter, COUNTER_PREFIX } from "./counter.js";
export { settledHeap, handleCounts, handlesBeyond } from "./process-health.js";
export { startProgram, RELIABILITY_CLI, FIBERWS_BIN } from "./programs.js";
export type { Program } from "./programs.js";
