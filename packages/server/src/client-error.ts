// Answers to requests node's HTTP parser rejects: headers too slow (408), too big (431), malformed (400).
import type { Socket } from "node:net";
import { rDebug } from "@fiberws/fiber";
import { refuseSocket } from "./raw-response.js";

/** Node's error codes for a request that never became one, and the status each gets. */
const STATUS_BY_CODE: Record<string, { status: number; reason: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: "the request did not arrive in time" },
  ERR_HTTP_HEADERS_TIMEOUT: { status: 408, reason: "the request headers did not arrive in time" },
  HPE_HEADER_OVERFLOW: { status: 431, reason: "the request headers are larger than the limit" },
};

/**
 * Answer a request the HTTP parser rejected (node's `clientError`), then close the connection:
 * 408 when the headers (or the request) did not arrive within the parse (or request) timeout,
 * 431 when the headers exceed `limits.header`, 400 for anything malformed. A connection that
 * was reset, or can no longer be written, is destroyed without an answer.
 * @param error the parser's error; its `code` selects the status.
 * @param socket the client's socket.
 */
export function answerClientError(error: Error, socket: Socket): void {
  const code = "code" in error ? String(error.code) : "";
  if (code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, reason } = STATUS_BY_CODE[code] ?? { status: 400, reason: "the request is malformed" };
  rDebug("web", "client error %s: %d %s", code, status, error.message);
  refuseSocket(socket, status, reason);
}
