// Logging for the runtime and its users: printf-style lines with time, level and source.
import { closeSync, openSync, writeSync } from "node:fs";
import { format } from "node:util";

/** Log levels, most severe first; a level lets through itself and every level above it. */
export type LogLevel = "error" | "info" | "debug" | "trace";

/** Where log lines go: `"stdout"`, `"stderr"`, a file path (appended), or a function (tests). */
export type LogDestination = "stdout" | "stderr" | string | ((line: string) => void);

const severity: Record<LogLevel, number> = { error: 0, info: 1, debug: 2, trace: 3 };
const labels: Record<LogLevel, string> = {
  error: "ERROR",
  info: "INFO ",
  debug: "DEBUG",
  trace: "TRACE",
};

let current: LogLevel = "info";
let threshold = severity[current];
let write: (line: string) => void = (line) => process.stdout.write(line);
let openFile: number | undefined;

/**
 * Set the most verbose level that is logged. Debug and trace are off by default (`"info"`).
 * @param level - `"error"`, `"info"`, `"debug"` or `"trace"`
 * @throws RangeError if `level` is not one of those
 */
export function setLogLevel(level: LogLevel): void {
  if (!Object.hasOwn(severity, level)) {
    throw new RangeError(`unknown log level "${String(level)}" (error, info, debug or trace)`);
  }
  current = level;
  threshold = severity[level];
}

/**
 * The most verbose level currently logged.
 * @returns the level set by {@link setLogLevel}, `"info"` by default
 */
export function getLogLevel(): LogLevel {
  return current;
}

/**
 * Whether a line at `level` would be written: test it before building costly arguments.
 * @param level - the level to ask about
 * @returns true when {@link setLogLevel} lets `level` through
 */
export function rLogEnabled(level: LogLevel): boolean {
  return severity[level] <= threshold;
}

/**
 * Send log lines to `"stdout"` (the default), `"stderr"`, a file (opened for appending, kept
 * open until the destination changes), or a function that receives each line (with its `\n`).
 * @param destination - where lines go from now on
 * @throws Error from the file system if a file path cannot be opened
 */
export function setLogDestination(destination: LogDestination): void {
  let next: (line: string) => void;
  let fd: number | undefined;
  if (typeof destination === "function") {
    next = destination;
  } else if (destination === "stdout") {
    next = (line) => process.stdout.write(line);
  } else if (destination === "stderr") {
    next = (line) => process.stderr.write(line);
  } else {
    const file = openSync(destination, "a");
    fd = file;
    next = (line) => writeSync(file, line);
  }
  if (openFile !== undefined) closeSync(openFile);
  openFile = fd;
  write = next;
}

function emit(level: LogLevel, source: string, fmt: string, args: unknown[]): void {
  if (severity[level] > threshold) return;
  const message = args.length === 0 ? fmt : format(fmt, ...args);
  write(`${new Date().toISOString()} ${labels[level]} ${source}: ${message}\n`);
}

/**
 * Log an error: always written (unless the destination discards it).
 * @param source - what is logging (`"ws"`, `"fiber"`, a module name)
 * @param fmt - a printf-style format (`%s`, `%d`, `%j`, `%o`), as `util.format` reads it
 * @param args - the values for the format
 * @example
 * ```ts
 * rError("ws", "Error: %s", webSocketGetErrorMessage(ws));
 * // 2025-01-01T12:00:00.000Z ERROR ws: Error: frame too big
 * ```
 */
export function rError(source: string, fmt: string, ...args: unknown[]): void {
  emit("error", source, fmt, args);
}

/**
 * Log information, written at level `"info"` and above (the default).
 * @param source - what is logging
 * @param fmt - a printf-style format, as `util.format` reads it
 * @param args - the values for the format
 * @example
 * ```ts
 * rInfo("ws", "Client connected from %s", address);
 * ```
 */
export function rInfo(source: string, fmt: string, ...args: unknown[]): void {
  emit("info", source, fmt, args);
}

/**
 * Log debugging detail, written only at level `"debug"` or `"trace"`.
 * @param source - what is logging
 * @param fmt - a printf-style format, as `util.format` reads it
 * @param args - the values for the format
 */
export function rDebug(source: string, fmt: string, ...args: unknown[]): void {
  emit("debug", source, fmt, args);
}

/**
 * Log the finest detail (per message, per frame), written only at level `"trace"`.
 * @param source - what is logging
 * @param fmt - a printf-style format, as `util.format` reads it
 * @param args - the values for the format
 */
export function rTrace(source: string, fmt: string, ...args: unknown[]): void {
  emit("trace", source, fmt, args);
}
