// Turns a raw request-target into decoded path segments, refusing anything that could escape.

/** A request path that is safe to join under the documents folder. */
export interface RequestPath {
  /** Decoded segments, none empty, none `.`/`..`, none holding `/`, `\` or a control char. */
  segments: string[];
  /** True when the path ends with `/` (the client asked for a directory). */
  directory: boolean;
  /** The path part of the request-target exactly as received (still percent-encoded). */
  pathname: string;
  /** The query part as received, with its leading `?`, or `""`. */
  search: string;
}

/** The outcome of {@link parseRequestPath}: a safe path, or the status to refuse with. */
export type ParsedRequestPath =
  | { ok: true; path: RequestPath }
  | { ok: false; status: 400 | 404; reason: string };

/** The one dot-segment that may be served (RFC 8615 well-known URIs). */
const WELL_KNOWN = ".well-known";

/** Control characters (C0 and DEL): never part of a file name we serve. */
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/;

/**
 * Decide whether a decoded path segment names a hidden file or folder (`.env`, `.git`).
 * `.well-known` is the one exception: it is served.
 * @param name a single decoded path segment
 * @returns true when the segment starts with `.` and is not `.well-known`
 */
export function isHiddenSegment(name: string): boolean {
  return name.startsWith(".") && name !== WELL_KNOWN;
}

/**
 * Parse and check a raw request-target (`req.url`) for the file handler. The path is split on
 * the raw `/` first and each segment is percent-decoded on its own, so an encoded slash can never
 * create a new segment. Nothing is normalised: a `.` or `..` segment is refused, not resolved.
 * @param rawUrl the request-target as received, e.g. `/a/b%20c.html?x=1`
 * @returns `{ ok: true, path }`, or `{ ok: false, status, reason }` with 400 for a malformed or
 *   hostile path and 404 for a hidden (dot) segment; `reason` is for logs, never for the client
 * @throws never
 * @example
 * ```ts
 * parseRequestPath("/docs/a%20b.html?v=2");
 * // { ok: true, path: { segments: ["docs", "a b.html"], directory: false,
 * //                     pathname: "/docs/a%20b.html", search: "?v=2" } }
 * parseRequestPath("/%2e%2e/etc/passwd"); // { ok: false, status: 400, reason: "dot segment" }
 * ```
 */
export function parseRequestPath(rawUrl: string): ParsedRequestPath {
  if (!rawUrl.startsWith("/")) return refuse(400, "not an origin-form path");
  const queryAt = rawUrl.indexOf("?");
  const pathname = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const search = queryAt === -1 ? "" : rawUrl.slice(queryAt);
  if (pathname.includes("\\")) return refuse(400, "backslash");
  if (pathname.includes("#")) return refuse(400, "fragment in request-target");

  const raw = pathname.slice(1).split("/");
  const directory = raw[raw.length - 1] === "";
  if (directory) raw.pop();

  const segments: string[] = [];
  let hidden = false;
  for (const encoded of raw) {
    if (encoded === "") return refuse(400, "empty segment");
    let name: string;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      return refuse(400, "malformed percent-encoding");
    }
    if (name === "." || name === "..") return refuse(400, "dot segment");
    if (name.includes("/")) return refuse(400, "encoded slash");
    if (name.includes("\\")) return refuse(400, "encoded backslash");
    if (CONTROL_CHAR.test(name)) return refuse(400, "control character");
    hidden ||= isHiddenSegment(name);
    segments.push(name);
  }
  // Hidden segments are checked last so a hostile path is always a 400, whatever comes first.
  if (hidden) return refuse(404, "hidden segment");
  return { ok: true, path: { segments, directory, pathname, search } };
}

function refuse(status: 400 | 404, reason: string): ParsedRequestPath {
  return { ok: false, status, reason };
}
