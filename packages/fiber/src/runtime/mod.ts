/** The Embedthis fiber runtime, emulated with effection tasks: C names and effection operations. */
export { rInit, rServiceEvents, rStop, rSpawnFiber } from "./runtime.js";
export { spawnFiber, spawnFiberIn, rGetFiber, rIsMain } from "./fiber.js";
export type { Fiber, FiberState, SpawnFiberOptions } from "./fiber.js";
export type { FiberProc } from "./proc.js";
export { rSetFiberLimits, rGetFiberStats, useFiberLimits } from "./limits.js";
export type { FiberStats } from "./limits.js";
export { yieldFiber, resumeFiber, rYieldFiber, rResumeFiber } from "./handoff.js";
export { rSleep } from "./sleep.js";
export { rStartEvent, rStopEvent, rRunEvent, rLookupEvent } from "./events.js";
export type { EventInfo } from "./events.js";
export { rWatch, rWatchOff, rSignal, rSignalSync } from "./signals.js";
export type { WatchProc } from "./signals.js";
export { rWaitForIO, rGetTicks, R_READABLE, R_WRITABLE } from "./wait-io.js";
export { rSpawnThread } from "./thread.js";
export type { ThreadFunction, ThreadModuleFunction } from "./thread.js";
export {
  rInfo,
  rError,
  rDebug,
  rTrace,
  rLogEnabled,
  setLogLevel,
  getLogLevel,
  setLogDestination,
} from "./log.js";
export type { LogLevel, LogDestination } from "./log.js";
export { DONE, Resumable, resumeIterator } from "./resumable.js";
export type { Resume } from "./resumable.js";
