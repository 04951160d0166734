// Measurements of this process's health: heap after a full collection, and open handles by kind.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
/** The engine's collector, reachable without starting node with --expose-gc. */
const collect = runInNewContext("gc") as () => void;

/**
 * The heap in use after full garbage collections, in bytes.
 * @returns the bytes used by live JavaScript objects.
 */
export function settledHeap(): number {
  for (let i = 0; i < 3; i++) collect();
  return process.memoryUsage().heapUsed;
}

/**
 * How many sockets, servers and timers this process holds, by kind.
 * @returns counts by resource kind (`TCPSocketWrap`, `TCPServerWrap`, `Timeout`).
 */
export function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind.startsWith("TCP") || kind === "Timeout") counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * The handles held now beyond those in `baseline`.
 * @param baseline counts from {@link handleCounts} taken earlier.
 * @returns the kinds with more handles than before, and how many more.
 */
export function handlesBeyond(baseline: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, count] of Object.entries(handleCounts())) {
    if (count > (baseline[kind] ?? 0)) extra[kind] = count - (baseline[kind] ?? 0);
  }
  return extra;
}
