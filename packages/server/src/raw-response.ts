// Whole HTTP/1.1 responses written straight to a socket that node's HTTP layer no longer answers.
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

/** How long a refused socket may linger for the peer to read the answer and close, in ms. */
const LINGER_MS = 2000;

/**
 * Answer on a raw socket with a complete HTTP/1.1 response (`Connection: close`, a short
 * `text/plain` body), end the socket, and destroy it once the peer closes or after a short
 * linger. Used for upgrade refusals, connection-limit 503s and parse errors (400, 408, 431).
 * Nothing happens if the socket can no longer be written.
 * @param socket the client's socket.
 * @param status the HTTP status, for example 403.
 * @param body the text body: what was wrong.
 * @param headers extra header fields, for example `{ "Sec-WebSocket-Version": "13" }`.
 * @example
 * refuseSocket(socket, 503, "the server is at its connection limit");
 */
export function refuseSocket(
  socket: Socket,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = `${body}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(text)}`,
    "Connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${text}`);
  lingerThenClose(socket);
}

/**
 * Close a socket whose answer is written (or being written): end it if it is not ended yet,
 * and destroy it once the peer closes its side, or after a short linger. What the peer still
 * sends is read and dropped.
 * @param socket the client's socket.
 */
export function lingerThenClose(socket: Socket): void {
  socket.setTimeout(LINGER_MS, () => socket.destroy());
  socket.once("end", () => socket.destroy());
  socket.resume();
  if (!socket.writableEnded) socket.end();
}
