// The ceiling: a `node:net` server that answers the upgrade, then echoes bytes without parsing.
import { createServer, type Socket } from "node:net";
import type { Operation } from "effection";
import { computeAcceptKey } from "@fiberws/core";
import { useListening } from "./listen.js";

const HEAD_END = Buffer.from("\r\n\r\n");
const MAX_HEAD = 16 * 1024;

/**
 * Run the raw echo: after a `101 Switching Protocols` with the right accept key, every byte the
 * client sends is written straight back (so clients receive their own masked frames). It shows
 * what Node itself allows on this machine. Runs until the caller's scope ends.
 * @param port the port (0 picks a free one).
 * @param host the address.
 * @returns the port bound.
 * @throws Error if listening fails.
 * @example
 * const port = yield* useRawEchoServer(0, "127.0.0.1");
 */
export function useRawEchoServer(port: number, host: string): Operation<number> {
  return useListening(createServer({ noDelay: true }, answerUpgrade), port, host);
}

/** Read the request head, answer 101 (or 400), then write every read straight back. */
function answerUpgrade(socket: Socket): void {
  let head: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const end = head.indexOf(HEAD_END);
    if (end < 0) {
      if (head.length > MAX_HEAD) socket.destroy();
      return;
    }
    socket.off("data", onData);
    const key = /\r\nsec-websocket-key:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(head.toString("latin1", 0, end + 2));
    if (key === null) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${computeAcceptKey(key[1])}\r\n\r\n`,
    );
    const rest = head.subarray(end + HEAD_END.length);
    if (rest.length > 0) socket.write(rest);
    // Write each read straight back, without pipe()'s pause and resume: the load generator bounds
    // what is in flight, and this made 1 MiB ping-pong ~3x faster than pipe() here.
    socket.on("data", (chunk: Buffer) => socket.write(chunk));
  };
  socket.on("data", onData);
  // A client that resets its connection ends only that connection.
  socket.on("error", () => socket.destroy());
}
