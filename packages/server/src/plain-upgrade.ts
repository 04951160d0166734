// Requests that ask to upgrade to another protocol than WebSocket (h2c, say): served as HTTP/1.1.
import { ServerResponse, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { headerHasToken } from "@fiberws/core";
import { lingerThenClose, refuseSocket } from "./raw-response.js";

/**
 * Whether an upgrade request asks for WebSocket: its `Upgrade` header lists the `websocket`
 * token (compared ignoring case).
 * @param req the request node:http reported as an upgrade.
 * @returns true for a WebSocket upgrade.
 */
export function asksForWebSocket(req: IncomingMessage): boolean {
  return headerHasToken(req.headers, "upgrade", "websocket");
}

/**
 * Serve a request that asks to upgrade to a protocol this server does not speak as a plain
 * HTTP/1.1 request, ignoring its `Upgrade` header (RFC 9110 section 7.8 lets a server do so):
 * node:http hands every request with an `Upgrade` header to the upgrade listener, so without
 * this `curl --http2` (which asks for `h2c`) would be refused. The connection closes after the
 * response: node:http no longer parses it. A request that carries a body (or bytes after its
 * head) is refused with 400, as nothing would read that body.
 * @param req the request.
 * @param socket its connection, detached from node:http.
 * @param head bytes read after the request's head.
 * @param serve the server's request handler.
 */
export function servePlainly(
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
  serve: (req: IncomingMessage, res: ServerResponse) => void,
): void {
  if (head.length > 0 || req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0) {
    refuseSocket(socket, 400, "a request asking to upgrade to another protocol cannot carry a body here");
    return;
  }
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once("finish", () => {
    res.detachSocket(socket);
    lingerThenClose(socket);
  });
  // The request has no body: its stream ends now, for any handler that reads it.
  req.push(null);
  serve(req, res);
}
