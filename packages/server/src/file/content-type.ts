// The Content-Type of a served file, from its name; the MIME database is loaded on first use.
import { createRequire } from "node:module";
import path from "node:path";
import type mimeTypes from "mime-types";

/** The type sent for a file whose extension names no known type. */
export const DEFAULT_TYPE = "application/octet-stream";

let database: typeof mimeTypes | undefined;

/**
 * The Content-Type header value for a file (with a charset for text types). The MIME database
 * (~570 KB of heap) is loaded by the first call, so a server that serves no file never holds it.
 * @param name the file's name, e.g. `index.html`
 * @returns the type, or {@link DEFAULT_TYPE} when the extension names none
 * @example
 * ```ts
 * contentTypeOf("app.js"); // "application/javascript; charset=utf-8"
 * ```
 */
export function contentTypeOf(name: string): string {
  database ??= createRequire(import.meta.url)("mime-types") as typeof mimeTypes;
  return database.contentType(path.extname(name)) || DEFAULT_TYPE;
}
