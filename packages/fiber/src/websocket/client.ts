// The client role: open a connection with an HTTP upgrade, as a resource or a seed-style run.
import http from "node:http";
import type { Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { action, resource, until, type Operation } from "effection";
import { WS_STATUS_OK, createClientHandshake, verifyUpgradeResponse } from "@fiberws/core";
import { ClockContext } from "./clock.js";
import { WebSocket, type WebSocketOptions } from "./connection.js";
import { provideConnection } from "./lifecycle.js";
import { webSocketRun, type WebSocketProc } from "./run.js";

/** Options of a client connection: the connection's options, and the handshake's. */
export interface WebSocketClientOptions extends Omit<WebSocketOptions, "role" | "protocol"> {
  /** Subprotocols to offer, most preferred first. */
  protocols?: readonly string[];
  /** Extra request headers (Origin, Authorization, cookies, ...). */
  headers?: Record<string, string>;
  /** Give up when the connection is not open after this many ms (default 10000; 0 = never). */
  connectTimeout?: number;
  /**
   * TLS settings for wss: URLs, as `https.request` takes them (ignored for ws:): the CA to
   * trust (`ca`, for a server with a private or self-signed certificate), a client certificate
   * (`cert`, `key`, `passphrase`, `pfx`), `servername`, `minVersion`, `rejectUnauthorized`.
   */
  tls?: Pick<ConnectionOptions, "ca" | "cert" | "key" | "passphrase" | "pfx" | "servername" | "minVersion" | "rejectUnauthorized">;
}

interface Upgrade {
  response: http.IncomingMessage;
  socket: Socket;
  head: Buffer;
}

function httpUrl(url: string | URL): URL {
  const target = new URL(url);
  if (target.protocol === "ws:") target.protocol = "http:";
  else if (target.protocol === "wss:") target.protocol = "https:";
  else if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new TypeError(`${String(url)}: not a WebSocket URL (use ws: or wss:)`);
  }
  return target;
}

/** How a request goes out: `http.request` or `https.request`. */
type RequestFunction = typeof http.request;

/**
 * The request function for `target`. TLS is loaded only when a wss: (https:) URL is dialed:
 * `node:https` with TLS costs ~300 KB of heap in every process that loads it, a server among them.
 */
function* requestFunction(target: URL): Operation<RequestFunction> {
  if (target.protocol !== "https:") return http.request;
  return (yield* until(import("node:https"))).request;
}

/** Send the upgrade request; settle with the upgraded socket or the reason it failed. */
function requestUpgrade(
  send: RequestFunction,
  target: URL,
  headers: Record<string, string>,
  options: WebSocketClientOptions,
): Operation<Upgrade> {
  const timeout = options.connectTimeout ?? 10_000;
  const tls = target.protocol === "https:" ? options.tls : undefined;
  return action<Upgrade>((resolve, reject) => {
    const request = send(target, { ...tls, headers, agent: false });
    let upgraded = false;
    request.on("upgrade", (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      upgraded = true;
      resolve({ response, socket, head });
    });
    request.on("response", (response: http.IncomingMessage) => {
      response.resume();
      reject(new Error(`${target.href}: the server answered ${response.statusCode} ${response.statusMessage ?? ""} instead of upgrading`));
    });
    request.on("error", (error: Error) => reject(new Error(`${target.href}: ${error.message}`, { cause: error })));
    const timer =
      timeout > 0
        ? setTimeout(() => reject(new Error(`${target.href}: not connected after ${timeout} ms`)), timeout)
        : undefined;
    request.end();
    return () => {
      clearTimeout(timer);
      if (!upgraded) request.destroy();
    };
  });
}

/**
 * Open a client connection: the HTTP upgrade, then a WebSocket that reads at once (pings are
 * answered from the start; messages wait for a consumer). The caller owns its release.
 * @param url - ws:, wss:, http: or https: URL
 * @param options - handshake and connection options
 * @returns the open connection
 * @throws TypeError for a bad URL or header; Error when the server refuses or the handshake is
 *   wrong, the connection fails, or the connect timeout passes
 */
export function* connectWebSocket(url: string | URL, options: WebSocketClientOptions = {}): Operation<WebSocket> {
  const target = httpUrl(url);
  const offered = options.protocols ?? [];
  const { key, headers } = createClientHandshake({ protocols: offered, headers: options.headers });
  const clock = yield* ClockContext.expect();
  const send = yield* requestFunction(target);
  const { response, socket, head } = yield* requestUpgrade(send, target, headers, options);
  const verdict = verifyUpgradeResponse(response.statusCode ?? 0, response.headers, key, offered);
  if (!verdict.ok) {
    socket.destroy();
    throw new Error(`${target.href}: ${verdict.reason}`);
  }
  const ws = new WebSocket(socket, { ...options, role: "client", protocol: verdict.protocol }, clock);
  ws.startReading(head);
  return ws;
}

/**
 * Open a client connection owned by the current scope; it returns once the connection is open
 * and closes it with 1000 when the scope ends (waiting for the server's close, at most the
 * close timeout). Read its messages with `messages(ws)`, send with `webSocketSend*`.
 * @param url - ws: or wss: URL
 * @param options - subprotocols to offer, headers, limits and timeouts
 * @returns the open connection
 * @throws TypeError for a bad URL or header; Error when the server refuses, the handshake is
 *   wrong, the connection fails, or the connect timeout passes
 * @example
 * ```ts
 * const ws = yield* useWebSocket("ws://127.0.0.1:4100/ws/", { protocols: ["chat"] });
 * yield* webSocketSendString(ws, "hello");
 * for (const msg of yield* each(messages(ws))) {
 *   console.log(msg.data);
 *   yield* each.next();
 * }
 * ```
 */
export function useWebSocket(url: string | URL, options: WebSocketClientOptions = {}): Operation<WebSocket> {
  return resource(function* (provide) {
    yield* provideConnection(provide, yield* connectWebSocket(url, options), WS_STATUS_OK, "");
  });
}

/**
 * Connect to `url` and run the connection with `callback` until it closes, like the seed's
 * `urlWebSocket`. A `Sec-WebSocket-Protocol` header lists the subprotocols to offer.
 * @param url - ws: or wss: URL
 * @param callback - receives the events, as with `webSocketRun`
 * @param arg - passed to every callback
 * @param headers - extra request headers, as an object or as "Name: value" lines
 * @returns what `webSocketRun` returns: 0 after an orderly close, else the negative close code
 * @throws Error when the connection cannot be opened; whatever the callback throws
 * @example
 * ```ts
 * const status = yield* urlWebSocket("ws://127.0.0.1:4100/ws/", onWebSocket, null, "Origin: http://localhost");
 * ```
 */
export function* urlWebSocket(
  url: string | URL,
  callback: WebSocketProc,
  arg: unknown,
  headers?: Record<string, string> | string,
): Operation<number> {
  const fields = typeof headers === "string" ? parseHeaderLines(headers) : { ...headers };
  let protocols: string[] = [];
  for (const name of Object.keys(fields)) {
    if (name.toLowerCase() !== "sec-websocket-protocol") continue;
    protocols = (fields[name] ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "");
    delete fields[name];
  }
  const ws = yield* connectWebSocket(url, { headers: fields, protocols });
  return yield* webSocketRun(ws, callback, arg, null, 0);
}

/** "Name: value" lines (CRLF or LF) as header fields. @throws TypeError for a line without a colon. */
function parseHeaderLines(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new TypeError(`urlWebSocket: header line "${line}" has no "Name:"`);
    fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return fields;
}
