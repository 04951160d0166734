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

const UPPER_CASE = /[A-Z]/;

/**
 * The header fields with every name in lower case, so that each later lookup is one property
 * read. Node already gives lower-case names: then `headers` itself comes back and nothing is
 * copied (the handshake reads about ten fields per request; a case-insensitive scan for each
 * cost more than the rest of the validation together). Otherwise fields whose names differ only
 * in case are merged into one array, in order.
 * @param headers the header fields, names in any case.
 * @returns the same fields keyed by lower-case name.
 */
export function lowerCaseFields(headers: HeaderFields): HeaderFields {
  let mixedCase = false;
  for (const name of Object.keys(headers)) {
    if (UPPER_CASE.test(name)) {
      mixedCase = true;
      break;
    }
  }
  if (!mixedCase) return headers;
  // No prototype: a field named "__proto__" is then an ordinary key.
  const fields = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const values = (fields[name.toLowerCase()] ??= []);
    if (typeof value === "string") values.push(value);
    else values.push(...value);
  }
  return fields;
}

/**
 * Every raw value of a header, in order; arrays (node's form for some repeated fields) are
 * flattened.
 * @param fields the header fields keyed by lower-case name (see {@link lowerCaseFields}).
 * @param name the header name in lower case.
 * @returns the values, empty when the header is absent.
 */
export function headerValues(fields: HeaderFields, name: string): readonly string[] {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

/**
 * The elements of a comma-separated header list across all its values, trimmed, with empty
 * elements dropped (RFC 9110 section 5.6.1).
 * @param fields the header fields keyed by lower-case name (see {@link lowerCaseFields}).
 * @param name the header name in lower case.
 * @returns the list elements in order, empty when the header is absent or blank.
 */
export function headerList(fields: HeaderFields, name: string): string[] {
  const elements: string[] = [];
  for (const value of headerValues(fields, name)) {
    for (const element of value.split(",")) {
      const trimmed = element.trim();
      if (trimmed !== "") elements.push(trimmed);
    }
  }
  return elements;
}

/**
 * Tell whether a token list header contains `token`, compared case-insensitively
 * (as `Connection` and `Upgrade` are). A value as long as the token is compared whole, without
 * splitting: the common `Upgrade: websocket` costs one comparison.
 * @param fields the header fields keyed by lower-case name (see {@link lowerCaseFields}).
 * @param name the header name in lower case.
 * @param token the token to look for, in lower case.
 * @returns true when one element equals `token` ignoring case.
 */
export function headerHasToken(fields: HeaderFields, name: string, token: string): boolean {
  for (const value of headerValues(fields, name)) {
    if (value.length < token.length) continue;
    if (value.length === token.length) {
      if (value.toLowerCase() === token) return true;
      continue;
    }
    for (const element of value.split(",")) {
      if (element.trim().toLowerCase() === token) return true;
    }
  }
  return false;
}

/**
 * Read a header that must appear once and whose value never holds a comma; a comma means node
 * joined repeated fields, so it counts as repeated, as does an array of several values.
 * @param fields the header fields keyed by lower-case name (see {@link lowerCaseFields}).
 * @param name the header name in lower case.
 * @returns the trimmed value, or whether it was missing or repeated.
 */
export function singleHeader(fields: HeaderFields, name: string): SingleHeader {
  const values = headerValues(fields, name);
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
