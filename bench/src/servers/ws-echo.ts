// The baseline: an echo endpoint on the `ws` library (with bufferutil), as users commonly run it.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { resource, type Operation } from "effection";
import { WebSocketServer } from "ws";
import { useListening } from "./listen.js";

/** The message size limit of every echo server in the benchmark (16 MiB). */
export const ECHO_MAX_MESSAGE = 16 * 1024 * 1024;

/**
 * Run a `ws` echo server: every message goes back as it came (text as text, binary as binary),
 * compression off, 16 MiB limit. Runs until the caller's scope ends.
 * @param port the port (0 picks a free one).
 * @param host the address.
 * @returns the port bound.
 * @throws Error if listening fails.
 * @example
 * const port = yield* useWsEchoServer(0, "127.0.0.1");
 */
export function useWsEchoServer(port: number, host: string): Operation<number> {
  return resource(function* (provide) {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: ECHO_MAX_MESSAGE });
    wss.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
      // ws has already closed the connection when it reports an error; one peer's fault is not ours.
      ws.on("error", () => undefined);
    });
    try {
      yield* provide(yield* useListening(http, port, host));
    } finally {
      wss.close();
    }
  });
}

/**
 * Whether `ws` will find `bufferutil` (it loads it optionally, from its own location).
 * @returns true if `ws` can load it.
 */
export function wsHasBufferUtil(): boolean {
  try {
    createRequire(createRequire(import.meta.url).resolve("ws"))("bufferutil");
    return true;
  } catch {
    return false;
  }
}
