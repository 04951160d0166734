// Checks single config values (URLs, origins, names, paths) and gives each its normalized form.
import { isAbsolute, resolve } from "node:path";
import { isToken } from "@fiberws/core";
import { describeValue } from "./describe.js";

/** `http://host:port` with an optional trailing slash; the port is written out. */
const LISTEN = /^http:\/\/([^/?#@]+):(\d{1,5})\/?$/i;
/** `scheme://host[:port]` with an optional trailing slash: no user, path, query or fragment. */
const ORIGIN = /^[a-z][a-z\d+.-]*:\/\/[^/?#@\s]+\/?$/i;

/**
 * Accept true or false.
 * @param value the configured value.
 * @returns the boolean.
 * @throws RangeError when `value` is not a boolean.
 */
export function checkBoolean(value: unknown): boolean {
  if (typeof value !== "boolean") throw new RangeError(`expected true or false, got ${describeValue(value)}`);
  return value;
}

/**
 * Accept one of a fixed set of words, exactly as written.
 * @param choices the accepted words.
 * @returns a check that returns the word.
 * @throws RangeError (from the check) listing the choices when the value is not one of them.
 */
export function checkOneOf<const T extends string>(choices: readonly T[]): (value: unknown) => T {
  return (value) => {
    const found = choices.find((choice) => choice === value);
    if (found === undefined) {
      const listed = choices.map((choice) => `'${choice}'`).join(", ");
      throw new RangeError(`expected one of ${listed}, got ${describeValue(value)}`);
    }
    return found;
  };
}

/**
 * Accept a listen address written as `http://host:port` (IPv6 hosts in brackets). Port 0 asks the
 * system for a free port.
 * @param value the configured address, for example `'http://127.0.0.1:4100'`.
 * @returns the address as `http://host:port`, with the scheme and host lower-cased and no slash.
 * @throws RangeError when `value` is not such a URL.
 * @example
 * checkListenUrl("HTTP://LocalHost:4100/"); // "http://localhost:4100"
 */
export function checkListenUrl(value: unknown): string {
  const match = typeof value === "string" ? LISTEN.exec(value.trim()) : null;
  const port = Number(match?.[2]);
  let host: string | undefined;
  try {
    host = match ? new URL(`http://${match[1]}/`).hostname : undefined;
  } catch {
    host = undefined;
  }
  if (host === undefined || host === "" || !(port <= 65535)) {
    throw new RangeError(`expected an http://host:port URL such as 'http://127.0.0.1:4100', got ${describeValue(value)}`);
  }
  return `http://${host}:${port}`;
}

/**
 * Accept a browser origin: a scheme, a host and an optional port, with no path, query or user.
 * @param value the configured origin, for example `'https://app.example'`.
 * @returns the origin as browsers send it in the `Origin` header (lower-case, default port dropped).
 * @throws RangeError when `value` is not an origin.
 * @example
 * checkOrigin("https://App.Example:443/"); // "https://app.example"
 */
export function checkOrigin(value: unknown): string {
  const text = typeof value === "string" ? value.trim() : "";
  let origin = "null";
  try {
    if (ORIGIN.test(text)) origin = new URL(text).origin;
  } catch {
    origin = "null";
  }
  if (origin === "null") {
    throw new RangeError(`expected an origin like 'https://app.example', got ${describeValue(value)}`);
  }
  return origin;
}

/**
 * Accept a subprotocol name: an HTTP token such as `chat` or `v2.json.example`.
 * @param value the configured name.
 * @returns the name unchanged.
 * @throws RangeError when `value` is not a token.
 */
export function checkProtocolName(value: unknown): string {
  if (typeof value !== "string" || !isToken(value)) {
    throw new RangeError(`expected a subprotocol name (letters, digits and !#$%&'*+-.^_\`|~), got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Accept an HTTP method: a token, upper-cased so that `'get'` and `'GET'` agree.
 * @param value the configured method, for example `'GET'` or `'post'`.
 * @returns the method in upper case.
 * @throws RangeError when `value` is not a token.
 */
export function checkMethod(value: unknown): string {
  if (typeof value !== "string" || !isToken(value)) {
    throw new RangeError(`expected an HTTP method like 'GET', got ${describeValue(value)}`);
  }
  return value.toUpperCase();
}

/**
 * Accept a route's `match`: a URL path starting with `/`, or '' to match every path.
 * @param value the configured match.
 * @returns the match unchanged.
 * @throws RangeError when `value` is not '' or a path starting with `/`.
 */
export function checkRouteMatch(value: unknown): string {
  if (typeof value !== "string" || (value !== "" && !value.startsWith("/"))) {
    throw new RangeError(`expected a URL path starting with '/' (or '' for every path), got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Accept a file or folder path and make it absolute, relative to `baseDir`.
 * @param value the configured path, for example `'./site'`.
 * @param baseDir the folder relative paths are taken from (the config file's folder).
 * @returns the absolute path.
 * @throws RangeError when `value` is not a non-empty string or holds a NUL character.
 */
export function checkPath(value: unknown, baseDir: string): string {
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    throw new RangeError(`expected a path like './site', got ${describeValue(value)}`);
  }
  return isAbsolute(value) ? resolve(value) : resolve(baseDir, value);
}

/**
 * Accept a plain file name, with no folder part, such as the index file `'index.html'`.
 * @param value the configured name.
 * @returns the name unchanged.
 * @throws RangeError when `value` is empty, `.` or `..`, or holds `/`, `\` or NUL.
 */
export function checkFileName(value: unknown): string {
  if (typeof value !== "string" || value === "" || value === "." || value === ".." || /[/\\\0]/.test(value)) {
    throw new RangeError(`expected a file name like 'index.html', got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Accept a log destination: `'stdout'`, `'stderr'`, or a file path made absolute against `baseDir`.
 * @param value the configured destination.
 * @param baseDir the folder a relative file path is taken from.
 * @returns `'stdout'`, `'stderr'` or an absolute file path.
 * @throws RangeError when `value` is not a non-empty string.
 */
export function checkLogPath(value: unknown, baseDir: string): string {
  if (value === "stdout" || value === "stderr") return value;
  if (typeof value !== "string" || value === "" || value.includes("\0")) {
    throw new RangeError(`expected 'stdout', 'stderr' or a file path, got ${describeValue(value)}`);
  }
  return checkPath(value, baseDir);
}
