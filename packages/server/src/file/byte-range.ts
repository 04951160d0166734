// Decides which bytes of a file a request gets: all of it, one range, or none (416).
import parseRange from "range-parser";

/** What part of the file to send, from the request's `Range` and `If-Range` headers. */
export type RangeChoice =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number } // inclusive byte offsets
  | { kind: "unsatisfiable" };

/**
 * Choose the byte range to serve. Only a single `bytes` range is honoured: several ranges
 * (after merging overlapping ones) are answered with the whole file, as RFC 9110 allows, and a
 * malformed header or another unit is ignored. `If-Range` with a date equal to `Last-Modified`
 * keeps the range; with an entity-tag it never does, because our tags are weak and `If-Range`
 * requires a strong comparison, so the whole file is sent.
 * @param headers the request headers (`range`, `if-range`)
 * @param size the file size in bytes
 * @param lastModified the file's `Last-Modified` value (an HTTP date)
 * @returns `full`, `partial` with inclusive `start`/`end`, or `unsatisfiable` (answer 416)
 * @throws never
 * @example
 * ```ts
 * chooseRange({ range: "bytes=0-9" }, 100, lastModified); // { kind: "partial", start: 0, end: 9 }
 * chooseRange({ range: "bytes=200-" }, 100, lastModified); // { kind: "unsatisfiable" }
 * ```
 */
export function chooseRange(
  headers: { range?: string | undefined; "if-range"?: string | undefined },
  size: number,
  lastModified: string,
): RangeChoice {
  const header = headers.range;
  if (header === undefined) return { kind: "full" };
  const ifRange = headers["if-range"];
  if (ifRange !== undefined && ifRange !== lastModified) return { kind: "full" };

  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return { kind: "unsatisfiable" };
  if (ranges === -2 || ranges.type !== "bytes" || ranges.length !== 1) return { kind: "full" };
  const only = ranges[0];
  return { kind: "partial", start: only.start, end: only.end };
}
