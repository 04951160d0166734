/** HTTP header reading for the opening handshake: lookups, token lists, token syntax (RFC 9110). */

/** Header fields as node gives them: lower-case names, repeated fields as arrays or joined with ", ". */
export type HeaderFields = Record<string, string | string[] | undefined>;

/** What a header that may appear only once holds. */
export type SingleHeader =
  | { state: "missing" }
  | { state: "repeated" }
  | { state: "present"; value: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const QUOTE_LIMIT = 80;

/**
 * Tell whether `text` is an HTTP token (RFC 9110 section 5.6.2): one or more `tchar`s.
 * Subprotocol names, HTTP methods and header names are tokens.
 * @param text the candidate, for example a header name or a subprotocol name.
 * @returns true when it is a non-empty token.
 * @example
 * isToken("chat.v2"); // true
 * isToken("chat v2"); // false (a space is not a tchar)
 */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/**
 * Tell whether `text` may be sent as a header field value: no CR, LF, NUL or other control
 * character except horizontal tab.
 * @param text the candidate value.
 * @returns true when it can be written on the wire as is.
 */
export function isFieldValue(text: string): boolean {
  return FIELD_VALUE.test(text);
}

/**
 * Every raw value of a header, in order; the name is matched case-insensitively and arrays
 * (node's form for some repeated fields) are flattened.
 * @param headers the header fields.
 * @param name the header name, any case.
 * @returns the values, empty when the header is absent.
 */
export function headerValues(headers: HeaderFields, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.toLowerCase() !== wanted) continue;
    if (typeof value === "string") values.push(value);
    else values.push(...value);
  }
  return values;
}

/**
 * The elements of a comma-separated header list across all its values, trimmed, with empty
 * elements dropped (RFC 9110 section 5.6.1).
 * @param headers the header fields.
 * @param name the header name, any case.
 * @returns the list elements in order, empty when the header is absent or blank.
 */
export function headerList(headers: HeaderFields, name: string): string[] {
  const elements: string[] = [];
  for (const value of headerValues(headers, name)) {
    for (const element of value.split(",")) {
      const trimmed = element.trim();
      if (trimmed !== "") elements.push(trimmed);
    }
  }
  return elements;
}

/**
 * Tell whether a token list header contains `token`, compared case-insensitively
 * (as `Connection` and `Upgrade` are).
 * @param headers the header fields.
 * @param name the header name, any case.
 * @param token the token to look for.
 * @returns true when one element equals `token` ignoring case.
 */
export function headerHasToken(headers: HeaderFields, name: string, token: string): boolean {
  const wanted = token.toLowerCase();
  return headerList(headers, name).some((element) => element.toLowerCase() === wanted);
}

/**
 * Read a header that must appear once and whose value never holds a comma; a comma means node
 * joined repeated fields, so it counts as repeated, as does an array of several values.
 * @param headers the header fields.
 * @param name the header name, any case.
 * @returns the trimmed value, or whether it was missing or repeated.
 */
export function singleHeader(headers: HeaderFields, name: string): SingleHeader {
  const values = headerValues(headers, name);
  if (values.length === 0) return { state: "missing" };
  if (values.length > 1) return { state: "repeated" };
  const [value] = values;
  if (value.includes(",")) return { state: "repeated" };
  return { state: "present", value: value.trim() };
}

/**
 * Quote a value received from the peer for an error message: JSON-escaped and cut short, so a
 * hostile header cannot forge lines or flood the text.
 * @param value the received text.
 * @returns the value in double quotes, at most about 80 characters of it.
 */
export function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}...` : value);
}
