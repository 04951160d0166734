// The request object an action receives: a plain HTTP request, or an accepted WebSocket upgrade.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { WebSocket } from "@fiberws/fiber";
import type { RouteConfig, WebConfig } from "./config/mod.js";

/** What every request an action gets carries, upgraded or not. */
interface WebCommon {
  /** The request method in upper case, for example `GET`. */
  readonly method: string;
  /** The request path, percent-decoded and with dot segments resolved, for example `/ws/chat`. */
  readonly path: string;
  /** The query string's parameters. */
  readonly query: URLSearchParams;
  /** The request headers by lower-case name, as node parsed them. */
  readonly headers: IncomingHttpHeaders;
  /** The configured route that matched. */
  readonly route: RouteConfig;
  /** The action prefix that matched (the longest registered prefix of `path`). */
  readonly prefix: string;
  /** The server's configuration. */
  readonly config: WebConfig;
  /** The configured WebSocket inactivity timeout in ms (`timeouts.inactivity`; 0 = none). */
  readonly timeout: number;
}

/** A plain HTTP request to an action: answer it through `response` or the `webWrite*` helpers. */
export interface HttpWeb extends WebCommon {
  /** Discriminates a plain request from an upgrade. */
  readonly kind: "http";
  /** The node request, also the readable body. */
  readonly request: IncomingMessage;
  /** The node response. The server ends it when the action returns, if the action did not. */
  readonly response: ServerResponse;
  /** Absent: this request was not upgraded. */
  readonly webSocket: undefined;
  /** Absent: no bytes were read with an upgrade. */
  readonly buf: null;
}

/**
 * An accepted WebSocket upgrade: the handshake is done (the `101` was sent) and `webSocket` is
 * the live connection, closed with 1001 when the action returns or the server stops.
 */
export interface WebSocketWeb extends WebCommon {
  /** Discriminates an upgrade from a plain request. */
  readonly kind: "websocket";
  /**
   * Absent: the upgrade request is let go once the connection is open (it held ~2 KB per idle
   * connection); what it said is in `method`, `path`, `query` and `headers`.
   */
  readonly request: undefined;
  /** Absent: an upgraded request has no HTTP response. */
  readonly response: undefined;
  /** The live connection, in the server role. */
  readonly webSocket: WebSocket;
  /** Bytes the client sent after its handshake, read with it: pass them to `webSocketRun`. */
  readonly buf: Buffer | null;
  /** The subprotocol selected from `webSockets.protocols`, if any. */
  readonly protocol: string | undefined;
}

/**
 * A request as an action sees it. Narrow on `kind` (or on `webSocket`):
 * @example
 * webAddAction(server, "/ws/", function* (web) {
 *   if (web.kind !== "websocket") return yield* webWriteResponse(web, 426, "WebSocket only");
 *   yield* webSocketRun(web.webSocket, onWebSocket, null, web.buf, web.timeout);
 * });
 */
export type Web = HttpWeb | WebSocketWeb;

/**
 * An origin-form target made only of characters a URL keeps as they are in a path and query
 * (no percent-encoding, backslash, fragment or space).
 */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?$/;
/** A `.` or `..` path segment, which a URL resolves. */
const DOT_SEGMENT = /\/\.\.?(\/|\?|$)/;
/** A percent-encoded `/` in a path. */
const ENCODED_SLASH = /%2f/i;

/** A request's path and query, or the reason it has none a server can route. */
export type RequestTarget = { ok: true; path: string; query: URLSearchParams } | { ok: false; reason: string };

/**
 * Parse a request target (`req.url`) into its decoded path and query. Dot segments (also
 * percent-encoded) are resolved the way URLs resolve them, then the path is percent-decoded.
 * Origin-form (`/path?query`) and absolute-form (`http://host/path`) targets are understood.
 * An encoded slash (`%2F`) is refused: decoded after the dot segments were resolved, it would
 * make new segments, `..` among them, in a path that routes and actions take as resolved.
 * @param url the request target as received, for example `/ws/a%20b?x=1`.
 * @returns the path and query, or a reason when the target is malformed, has an encoded slash
 *   or decodes to a NUL.
 */
export function parseRequestTarget(url: string): RequestTarget {
  if (PLAIN_TARGET.test(url) && !DOT_SEGMENT.test(url)) {
    // Nothing for a URL parser to resolve or decode: the common case, without building a URL
    // (~1.5 us of each request and upgrade).
    const mark = url.indexOf("?");
    if (mark < 0) return { ok: true, path: url, query: new URLSearchParams() };
    return { ok: true, path: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
  }
  let parsed: URL;
  try {
    // Origin-form ("/path") is appended to a base rather than resolved against it, so that a
    // target starting with "//" stays a path instead of naming a host.
    parsed = url.startsWith("/") ? new URL(`http://localhost${url}`) : new URL(url);
  } catch {
    return { ok: false, reason: "the request target is not a valid URL" };
  }
  if (ENCODED_SLASH.test(parsed.pathname)) {
    return { ok: false, reason: "the request path has an encoded slash (%2F)" };
  }
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, reason: "the request path has a malformed percent-encoding" };
  }
  if (path.includes("\0")) return { ok: false, reason: "the request path contains a NUL byte" };
  // A query of its own, not the URL's: the URL would be kept for as long as the query is.
  return { ok: true, path, query: new URLSearchParams(parsed.search) };
}
