// Finds where each key and list entry sits in json5 text, since the json5 parser reports no positions.
import JSON5 from "json5";
import { formatPath, type KeyPath } from "./errors.js";

/** A 1-based line and column in the source text. */
export interface SourcePosition {
  line: number;
  column: number;
}

const SPACE = /\s/;
/** Characters that end a bare value (number, literal) or a bare key. */
const BARE_END = /[\s,:{}[\]/'"]/;

/**
 * Map every key path in a json5 document to the position of its key (for object members) or of
 * its first character (for list entries). The text must already have parsed without error; this
 * is a light scan of strings, comments and brackets, not a second parser.
 * @param text json5 source that `JSON5.parse` accepts.
 * @returns positions keyed by the path as {@link formatPath} writes it, e.g. `web.routes[1].match`.
 *   When a key appears twice in one object the later one is kept, as json5 keeps its value.
 */
export function locateKeys(text: string): Map<string, SourcePosition> {
  const offsets = new Map<string, number>();
  let at = 0;

  const skipSpaceAndComments = (): void => {
    while (at < text.length) {
      if (SPACE.test(text[at] ?? "")) at++;
      else if (text.startsWith("//", at)) at = endOf(text.indexOf("\n", at));
      else if (text.startsWith("/*", at)) at = endOf(text.indexOf("*/", at + 2)) + 2;
      else return;
    }
  };
  // A missing terminator means the end of the text.
  const endOf = (found: number): number => (found < 0 ? text.length : found);

  /** Skip a quoted string starting at `at`; returns its source including quotes. */
  const skipString = (): string => {
    const start = at;
    const quote = text[at];
    at++;
    while (at < text.length && text[at] !== quote) at += text[at] === "\\" ? 2 : 1;
    at++;
    return text.slice(start, at);
  };

  const skipBare = (): string => {
    const start = at;
    while (at < text.length && !BARE_END.test(text[at] ?? "")) at++;
    // A stray character (only possible in text json5 refused) still moves the scan on.
    if (at === start) at++;
    return text.slice(start, at);
  };

  const readKey = (): string => {
    const quote = text[at];
    if (quote === "'" || quote === '"') return JSON5.parse<string>(skipString());
    return skipBare();
  };

  const scanValue = (path: KeyPath): void => {
    skipSpaceAndComments();
    const first = text[at];
    if (first === "{") scanMembers(path);
    else if (first === "[") scanEntries(path);
    else if (first === "'" || first === '"') skipString();
    else skipBare();
  };

  const scanMembers = (path: KeyPath): void => {
    at++;
    for (;;) {
      skipSpaceAndComments();
      if (at >= text.length || text[at] === "}") break;
      const keyOffset = at;
      const key = readKey();
      offsets.set(formatPath([...path, key]), keyOffset);
      skipSpaceAndComments();
      if (text[at] === ":") at++;
      scanValue([...path, key]);
      skipSpaceAndComments();
      if (text[at] === ",") at++;
    }
    at++;
  };

  const scanEntries = (path: KeyPath): void => {
    at++;
    for (let index = 0; ; index++) {
      skipSpaceAndComments();
      if (at >= text.length || text[at] === "]") break;
      offsets.set(formatPath([...path, index]), at);
      scanValue([...path, index]);
      skipSpaceAndComments();
      if (text[at] === ",") at++;
    }
    at++;
  };

  scanValue([]);
  return toPositions(text, offsets);
}

/** Turn character offsets into 1-based lines and columns in one pass over the line starts. */
function toPositions(text: string, offsets: Map<string, number>): Map<string, SourcePosition> {
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const positions = new Map<string, SourcePosition>();
  for (const [path, offset] of offsets) {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    positions.set(path, { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 });
  }
  return positions;
}
