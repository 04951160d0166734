// The memory question a benchmark asks a server process over IPC, and its answer.

/** The message that asks a server process for its memory use. */
export const MEMORY_REQUEST = "fiberws-bench:memory";

/** A server process's memory after a full collection, in bytes. */
export interface MemoryReply {
  kind: "memory";
  rss: number;
  heapUsed: number;
  /** False if the process was not started with `--expose-gc` (figures include garbage). */
  collected: boolean;
}

/**
 * Collect garbage twice (if `gc` is exposed) and measure this process.
 * @returns the reply to send.
 */
export function memoryReport(): MemoryReply {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) {
    collect();
    collect();
  }
  const usage = process.memoryUsage();
  return { kind: "memory", rss: usage.rss, heapUsed: usage.heapUsed, collected: collect !== undefined };
}

/**
 * Whether an IPC message is a MemoryReply.
 * @param message anything received.
 * @returns true for a memory reply.
 */
export function isMemoryReply(message: unknown): message is MemoryReply {
  return typeof message === "object" && message !== null && (message as { kind?: unknown }).kind === "memory";
}
