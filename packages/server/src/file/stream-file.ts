// Streams a byte range of an open file into an HTTP response, with backpressure and cleanup.
import fs from "node:fs";
import type { ServerResponse } from "node:http";
import { pipeline, Transform } from "node:stream";
import { action, call, type Operation } from "effection";

/** The read stream borrows the descriptor: its `close` leaves it open, so the descriptor's
 *  owner closes it once, after the stream has settled. */
function keepDescriptorOpen(
  _fd: number,
  done: (error: NodeJS.ErrnoException | null) => void,
): void {
  done(null);
}

/**
 * Send bytes `start..end` (inclusive) of the open file `fd` as the response body, then end the
 * response. Reading follows the client's pace (`stream.pipeline`). The operation returns when the
 * body is fully handed to the socket, when the client goes away, or when reading fails or ends
 * early (the file shrank); in the last cases the response is destroyed, so the client never
 * mistakes a cut body for a whole one. When its scope is halted the read stream and the response
 * are destroyed. In every case it returns only after the read stream has stopped touching `fd`,
 * which the caller still owns and must close.
 * @param fd an open file descriptor, owned by the caller
 * @param res the response, with its status and headers already set but not yet written
 * @param start the first byte offset to send
 * @param end the last byte offset to send (inclusive); `end < start` sends nothing
 * @returns an operation that completes when the body is sent or abandoned
 * @throws never: read errors and client disconnects end the response instead
 * @example
 * ```ts
 * res.writeHead(200, { "Content-Length": String(stats.size) });
 * yield* streamFile(fd, res, 0, stats.size - 1);
 * ```
 */
export function streamFile(
  fd: number,
  res: ServerResponse,
  start: number,
  end: number,
): Operation<void> {
  return call(function* () {
    if (end < start) {
      yield* finishResponse(res);
      return;
    }
    const source = fs.createReadStream("", {
      fd,
      start,
      end,
      autoClose: false,
      fs: { read: fs.read, close: keepDescriptorOpen },
    });
    try {
      yield* action<void>((resolve) => {
        pipeline(source, expectLength(end - start + 1), res, () => resolve());
        return () => {};
      });
    } finally {
      if (!source.closed) {
        source.destroy();
        yield* closeOf(source);
      }
    }
  });
}

/**
 * End `res` (with an optional small body) and wait until it is handed to the socket or the
 * client has gone away.
 * @param res the response, status and headers set
 * @param body the whole body, or nothing
 * @returns an operation that completes when the response is finished or closed
 * @throws never
 */
export function finishResponse(res: ServerResponse, body?: string): Operation<void> {
  return action<void>((resolve) => {
    const done = (): void => resolve();
    if (res.destroyed || res.writableFinished) {
      done();
      return () => {};
    }
    res.once("finish", done);
    res.once("close", done);
    if (!res.writableEnded) res.end(body);
    return () => {
      res.off("finish", done);
      res.off("close", done);
    };
  });
}

/** Pass bytes through, failing at the end if there were fewer than `length` (the file shrank
 *  while it was sent), so the pipeline destroys the response instead of ending it short. */
function expectLength(length: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      done(seen === length ? null : new Error("the file shrank while it was being sent"));
    },
  });
}

function closeOf(stream: fs.ReadStream): Operation<void> {
  return action<void>((resolve) => {
    const done = (): void => resolve();
    stream.once("close", done);
    return () => stream.off("close", done);
  });
}
