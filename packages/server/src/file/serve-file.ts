// The file handler: answers GET/HEAD from the documents folder, conditionally and by range.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import etag from "etag";
import fresh from "fresh";
import { scoped, type Operation } from "effection";
import { chooseRange } from "./byte-range.js";
import { contentTypeOf } from "./content-type.js";
import { useDocument, type OpenDocument } from "./open-document.js";
import { parseRequestPath } from "./request-path.js";
import { finishResponse, streamFile } from "./stream-file.js";

/** Where and how {@link serveFile} finds documents. */
export interface ServeFileOptions {
  /** The folder served; the request path maps under it as is. */
  documents: string;
  /** The file served for a directory, e.g. `index.html`. */
  index: string;
}

/** The methods the file handler answers; others get 405 with this as `Allow`. */
const ALLOWED_METHODS = "GET, HEAD";

/**
 * Serve the request's URL path from `documents`. Writes the whole response (status, headers,
 * body) and returns when it is finished or the client went away. A hostile or malformed path is
 * answered 400, a hidden, missing or escaping file 404 (never a file outside `documents`), another
 * method 405, a directory without its trailing slash 301; `If-None-Match` / `If-Modified-Since`
 * give 304 and a single `Range` 206 (or 416). Error bodies are the bare status text; they never
 * name a file system path. The open file is closed when the operation ends, however it ends.
 * @param req the request; only its method, `url` and headers are read
 * @param res the response, untouched so far
 * @param options the documents folder and the index file name
 * @returns an operation that completes when the response is done
 * @throws only on programming errors; a bad request is answered, never thrown
 * @example
 * ```ts
 * const scope = yield* useScope();
 * const server = http.createServer((req, res) => {
 *   scope.run(() => serveFile(req, res, { documents: "./site", index: "index.html" }));
 * });
 * ```
 */
export function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeFileOptions,
): Operation<void> {
  return scoped(function* () {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return yield* answerStatus(req, res, 405, { Allow: ALLOWED_METHODS });
    }
    const parsed = parseRequestPath(req.url ?? "");
    if (!parsed.ok) return yield* answerStatus(req, res, parsed.status);

    const lookup = yield* useDocument(options.documents, options.index, parsed.path);
    switch (lookup.kind) {
      case "refused":
        return yield* answerStatus(req, res, lookup.status);
      case "redirect": {
        const location = `${parsed.path.pathname}/${parsed.path.search}`;
        return yield* answerStatus(req, res, 301, { Location: location });
      }
      case "found":
        return yield* answerDocument(req, res, lookup.document);
    }
  });
}

function* answerDocument(
  req: IncomingMessage,
  res: ServerResponse,
  document: OpenDocument,
): Operation<void> {
  const { stats } = document;
  const validators = { ETag: etag(stats), "Last-Modified": stats.mtime.toUTCString() };
  if (fresh(req.headers, { etag: validators.ETag, "last-modified": validators["Last-Modified"] })) {
    res.writeHead(304, validators);
    return yield* finishResponse(res);
  }

  const range = chooseRange(req.headers, stats.size, validators["Last-Modified"]);
  if (range.kind === "unsatisfiable") {
    return yield* answerStatus(req, res, 416, { "Content-Range": `bytes */${stats.size}` });
  }
  const [start, end] = range.kind === "partial" ? [range.start, range.end] : [0, stats.size - 1];
  const headers: OutgoingHttpHeaders = {
    ...validators,
    "Accept-Ranges": "bytes",
    "Content-Type": contentTypeOf(document.name),
    "Content-Length": end - start + 1,
    "X-Content-Type-Options": "nosniff",
  };
  if (range.kind === "partial") headers["Content-Range"] = `bytes ${start}-${end}/${stats.size}`;
  res.writeHead(range.kind === "partial" ? 206 : 200, headers);
  if (req.method === "HEAD") return yield* finishResponse(res);
  yield* streamFile(document.fd, res, start, end);
}

/** Answer with a status and its bare reason phrase as a text body (no body for HEAD). */
function answerStatus(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders = {},
): Operation<void> {
  const body = `${STATUS_CODES[status] ?? "Error"}\n`;
  res.writeHead(status, {
    ...headers,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "X-Content-Type-Options": "nosniff",
  });
  return finishResponse(res, req.method === "HEAD" ? undefined : body);
}
