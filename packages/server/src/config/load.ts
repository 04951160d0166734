// Loads a json5 config file into a WebConfig, or refuses it with every problem and its place.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import JSON5 from "json5";
import type { DecodeContext, DecodeProblem } from "./decode.js";
import { ConfigError, formatPath, type ConfigProblem } from "./errors.js";
import { locateKeys, type SourcePosition } from "./locate.js";
import { listenDecoder, webConfigDecoder } from "./schema.js";
import type { LogLevel, WebConfig } from "./types.js";

/** Settings given on the command line, which win over the file. */
export interface ConfigOverrides {
  /** `--listen URL` (repeatable): replaces `web.listen`. */
  listen?: string | readonly string[];
  /** `--debug` and the like: replaces `web.log.level`. */
  logLevel?: LogLevel;
}

/** Why a file could not be read, in words. */
const READ_FAILURES: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a folder, not a file",
  EACCES: "permission denied",
};

/**
 * Read, parse, check and normalize a json5 config file. Relative paths in it (`documents`,
 * `routes[].documents`, `log.path`) resolve against the file's folder.
 * @param file the config file, absolute or relative to the working folder; error messages name
 *   it as given.
 * @returns the normalized config, with `file` set to its absolute path.
 * @throws ConfigError when the file cannot be read, is not valid json5 (naming line and column),
 *   or holds unknown keys or bad values (naming each key path, all of them at once).
 * @example
 * const config = loadConfig("web.json5");
 * config.limits.maxFrame; // 131072 for '128K'
 */
export function loadConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    const reason = READ_FAILURES[code] ?? (error instanceof Error ? error.message : String(error));
    throw new ConfigError(file, [{ path: "", message: `cannot read the config file: ${reason}` }]);
  }
  return parseConfig(text, file);
}

/**
 * Parse, check and normalize json5 config text as if read from `file`.
 * @param text the json5 source, `{ web: { … } }`.
 * @param file the file it came from: named in error messages, and its folder is where relative
 *   paths start.
 * @returns the normalized config, with `file` set to the absolute path of `file`.
 * @throws ConfigError for a json5 syntax error (`web.json5:12:5: invalid character 'x'`) or for
 *   unknown keys and bad values (`web.json5:14:7: web.limits.maxFrame: expected a size like
 *   '128K', got 'big'`), every problem on its own line, in file order.
 * @example
 * const config = parseConfig("{ web: { listen: 'http://127.0.0.1:8080' } }", "/srv/web.json5");
 * config.documents; // "/srv/site"
 */
export function parseConfig(text: string, file: string): WebConfig {
  let document: unknown;
  try {
    document = JSON5.parse<unknown>(text);
  } catch (error) {
    throw new ConfigError(file, [syntaxProblem(error)]);
  }
  const absolute = resolve(file);
  const settings = decodeOrThrow(document, dirname(absolute), file, () => locateKeys(text));
  return { file: absolute, ...settings };
}

/**
 * The configuration used when no file is given: every key at its default.
 * @param baseDir the folder the default paths (`./site`) resolve against.
 * @returns the default config, with `file` undefined.
 * @example
 * defaultConfig(process.cwd()).listen; // ["http://127.0.0.1:4100"]
 */
export function defaultConfig(baseDir: string): WebConfig {
  const settings = decodeOrThrow({}, resolve(baseDir), undefined, () => new Map());
  return { file: undefined, ...settings };
}

/**
 * Apply command-line settings over a loaded config.
 * @param config the config from {@link loadConfig} or {@link defaultConfig}; it is not changed.
 * @param overrides the settings given; absent ones leave the config as it is.
 * @returns a new config with the overrides applied.
 * @throws ConfigError naming `--listen` when a listen URL is not `http://host:port`.
 * @example
 * applyOverrides(config, { listen: "http://0.0.0.0:8080", logLevel: "debug" });
 */
export function applyOverrides(config: WebConfig, overrides: ConfigOverrides): WebConfig {
  let listen = config.listen;
  if (overrides.listen !== undefined) {
    const context: DecodeContext = { baseDir: process.cwd(), problems: [] };
    const decoded = listenDecoder(overrides.listen, [], context);
    if (decoded === undefined || context.problems.length > 0) {
      throw new ConfigError(undefined, context.problems.map(({ message }) => ({ path: "--listen", message })));
    }
    listen = decoded;
  }
  const level = overrides.logLevel ?? config.log.level;
  return { ...config, listen, log: { ...config.log, level } };
}

/** Decode a parsed document; throw every problem found, placed with `locate`, in file order. */
function decodeOrThrow(
  document: unknown,
  baseDir: string,
  file: string | undefined,
  locate: () => Map<string, SourcePosition>,
): Omit<WebConfig, "file"> {
  const context: DecodeContext = { baseDir, problems: [] };
  const settings = webConfigDecoder(document, [], context);
  if (settings === undefined || context.problems.length > 0) {
    const positions = locate();
    const placed = context.problems.map((problem) => placeProblem(problem, positions));
    placed.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(file, placed);
  }
  return settings;
}

/** A decode problem with its path as text and, when found in `positions`, the place of its key. */
function placeProblem(problem: DecodeProblem, positions: Map<string, SourcePosition>): ConfigProblem {
  const path = formatPath(problem.path);
  // A missing key has no position of its own: use the nearest enclosing key or entry.
  for (let depth = problem.path.length; depth > 0; depth--) {
    const position = positions.get(formatPath(problem.path.slice(0, depth)));
    if (position) return { path, message: problem.message, ...position };
  }
  return { path, message: problem.message };
}

/** A json5 syntax error as a problem: its line, column and the parser's words without prefix. */
function syntaxProblem(error: unknown): ConfigProblem {
  if (!(error instanceof SyntaxError)) throw error;
  const line = "lineNumber" in error && typeof error.lineNumber === "number" ? error.lineNumber : undefined;
  const column = "columnNumber" in error && typeof error.columnNumber === "number" ? error.columnNumber : undefined;
  const message = error.message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
  return { path: "", message, line, column };
}
