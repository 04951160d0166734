// Plain HTTP replies from an action: a whole response, JSON, the request body, HTTP errors.
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { action, type Operation } from "effection";
import type { HttpWeb } from "./web.js";

/**
 * An error that answers the request with an HTTP status: thrown from an action (or by
 * {@link webReadBody}) before the response started, the server replies `status` with the
 * message as a text body; after it started, the connection is dropped.
 */
export class HttpError extends Error {
  /**
   * @param status the HTTP status to answer with, 400 to 599.
   * @param message the reply's body; the status's standard text when omitted.
   * @param headers extra response headers, for example `{ Allow: "GET" }` with a 405.
   */
  constructor(
    readonly status: number,
    message?: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message ?? `status ${status}`);
    this.name = "HttpError";
  }
}

/**
 * Write a whole response: status, headers and body, with `Content-Length` set and a
 * `text/plain; charset=utf-8` type unless `headers` names one (node leaves the body out for
 * HEAD). Returns once the response is handed to the socket, or the client went away.
 * @param web the plain request being answered.
 * @param status the HTTP status, for example 200.
 * @param body the body: a string (sent as UTF-8) or bytes; empty by default.
 * @param headers extra response headers.
 * @throws Error if the response was already started.
 * @example
 * yield* webWriteResponse(web, 200, "hello\n");
 */
export function webWriteResponse(
  web: HttpWeb,
  status: number,
  body: string | Uint8Array = "",
  headers: OutgoingHttpHeaders = {},
): Operation<void> {
  return writeResponse(web.response, status, body, headers);
}

/**
 * Write a whole response on a node response (see {@link webWriteResponse}).
 * @param response the response, not yet started.
 * @param status the HTTP status.
 * @param body the body: a string (sent as UTF-8) or bytes.
 * @param headers extra response headers.
 * @throws Error if the response was already started.
 */
export function* writeResponse(
  response: ServerResponse,
  status: number,
  body: string | Uint8Array,
  headers: OutgoingHttpHeaders,
): Operation<void> {
  if (response.headersSent) throw new Error("the response was already started");
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  response.statusCode = status;
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) response.setHeader(name, value);
  }
  if (bytes.length > 0 && !response.hasHeader("content-type")) {
    response.setHeader("Content-Type", "text/plain; charset=utf-8");
  }
  response.setHeader("Content-Length", bytes.length);
  yield* endResponse(response, bytes);
}

/**
 * Write a JSON response (`application/json; charset=utf-8`).
 * @param web the plain request being answered.
 * @param value the value to send, serialized with `JSON.stringify`.
 * @param status the HTTP status; 200 by default.
 * @throws Error if the response was already started; TypeError if `value` cannot be serialized.
 * @example
 * yield* webWriteJson(web, { ok: true });
 */
export function* webWriteJson(web: HttpWeb, value: unknown, status = 200): Operation<void> {
  const body = JSON.stringify(value) ?? "null";
  yield* webWriteResponse(web, status, body, { "Content-Type": "application/json; charset=utf-8" });
}

/**
 * Read the request body, bounded by `limits.body` (or `limit`).
 * @param web the plain request.
 * @param limit the largest body accepted in bytes; the configured `limits.body` by default.
 * @returns the whole body.
 * @throws HttpError 413 when the body is (or announces to be) larger than the limit; Error if
 * the client went away before the body was complete.
 * @example
 * const data = JSON.parse((yield* webReadBody(web)).toString("utf8"));
 */
export function* webReadBody(web: HttpWeb, limit = web.config.limits.body): Operation<Buffer> {
  const { request } = web;
  if (Number(request.headers["content-length"] ?? 0) > limit) throw bodyTooLarge(limit);
  return yield* action<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > limit) {
        request.pause();
        reject(bodyTooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks, length));
    const onClose = (): void => {
      if (!request.complete) reject(new Error("the client went away before the request body was complete"));
    };
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("close", onClose);
    return () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("close", onClose);
    };
  }, "webReadBody");
}

/**
 * End a response (with a last chunk, if given) and wait until it is handed to the socket or
 * the connection closed first; returns at once for a response already finished or destroyed.
 * @param response the response to end.
 * @param chunk the last bytes of the body, if any.
 */
export function endResponse(response: ServerResponse, chunk?: Uint8Array): Operation<void> {
  return action<void>((resolve) => {
    if (response.destroyed || response.writableFinished) {
      resolve();
      return () => {};
    }
    const done = (): void => resolve();
    response.once("finish", done);
    response.once("close", done);
    if (!response.writableEnded) {
      if (chunk === undefined) response.end();
      else response.end(chunk);
    }
    return () => {
      response.off("finish", done);
      response.off("close", done);
    };
  }, "endResponse");
}

function bodyTooLarge(limit: number): HttpError {
  return new HttpError(413, `the request body is larger than the limit of ${limit} bytes`, { Connection: "close" });
}
