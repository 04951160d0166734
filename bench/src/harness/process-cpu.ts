// CPU time a server process has used, read from Linux's /proc, to compare servers' cost per message.
import { readFileSync } from "node:fs";

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ, fixed at 100 on every Linux port). */
const MS_PER_TICK = 10;

/**
 * The user + system CPU time in a `/proc/<pid>/stat` line.
 * @param stat the file's text.
 * @returns milliseconds, or undefined if the text is not a stat line.
 * @example
 * parseProcStatCpuMs("42 (node) S 1 42 42 0 -1 0 0 0 0 0 150 25 0 0 20 0 11 0"); // 1750
 */
export function parseProcStatCpuMs(stat: string): number | undefined {
  // The command name may hold spaces and parentheses: the fields start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isInteger(user) || !Number.isInteger(system)) return undefined;
  return (user + system) * MS_PER_TICK;
}

/**
 * The CPU time process `pid` has used so far.
 * @param pid the process.
 * @returns milliseconds, or undefined where there is no /proc (not Linux) or the process is gone.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    return parseProcStatCpuMs(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}
