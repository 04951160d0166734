/**
 * The opening handshake (RFC 6455 section 4), both roles: the server validates an upgrade request
 * and chooses a subprotocol; the client builds its request and verifies the 101 response.
 * Extensions (`Sec-WebSocket-Extensions`) are never negotiated: the server accepts none of those
 * offered, and the client offers none and refuses a response that selects one.
 */
import { hash, randomBytes } from "node:crypto";
import { WS_VERSION } from "./constants.js";
import type { HeaderFields } from "./http-tokens.js";
import {
  headerHasToken,
  headerList,
  headerValues,
  isFieldValue,
  isToken,
  lowerCaseFields,
  quote,
  singleHeader,
} from "./http-tokens.js";

/** The client's verdict on a response: the selected subprotocol, or what was wrong. */
type ResponseVerdict = { ok: true; protocol: string | undefined } | { ok: false; reason: string };

/** The GUID every accept key is derived with (RFC 6455 section 1.3). */
const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** Base64 of exactly 16 bytes: 22 characters and two padding signs. */
const KEY_FORMAT = /^[A-Za-z0-9+/]{22}==$/;
const HTTP_VERSION_FORMAT = /^(\d+)\.(\d+)$/;
/** Headers the handshake owns on the client side; user headers may not set them. */
const CLIENT_HANDSHAKE_HEADERS = [
  "connection",
  "upgrade",
  "sec-websocket-version",
  "sec-websocket-key",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
];

/** The parts of an HTTP upgrade request the handshake reads; node's `IncomingMessage` fits. */
export interface UpgradeRequest {
  /** The request method, for example `"GET"`; optional only because node's type says so. */
  method?: string | undefined;
  /** The HTTP version without the prefix, for example `"1.1"`. */
  httpVersion: string;
  /** Header fields by lower-case name; repeated fields as arrays or joined with `", "`. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The server's answer to an upgrade request: either the headers of the `101 Switching Protocols`
 * response and the chosen subprotocol, or the HTTP status to refuse with, a reason that says
 * what was wrong (meant as the response body) and the headers that status requires.
 */
export type UpgradeDecision =
  | { ok: true; protocol: string | undefined; headers: Record<string, string> }
  | { ok: false; status: number; reason: string; headers: Record<string, string> };

/**
 * Compute the `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`: the base64 SHA-1 of the
 * key followed by the RFC's GUID. The key is not validated here.
 * @param key the client's `Sec-WebSocket-Key` value.
 * @returns the accept value the server must send back.
 * @example
 * computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 */
export function computeAcceptKey(key: string): string {
  // The one-shot hash is about 3x faster than createHash().update().digest() for one block.
  return hash("sha1", key + ACCEPT_GUID, "base64");
}

/**
 * Validate a WebSocket upgrade request (RFC 6455 section 4.2.1) and decide the response.
 * Refusals: a method other than GET → 405 with `Allow: GET`; HTTP older than 1.1, no `Host`,
 * `Upgrade` without a `websocket` token, `Connection` without an `upgrade` token (both compared
 * ignoring case, lists allowed), a missing, repeated or malformed `Sec-WebSocket-Key` (it must
 * be base64 of 16 bytes) → 400; a `Sec-WebSocket-Version` other than a single `13` → 426 with
 * `Sec-WebSocket-Version: 13`; subprotocols offered while `protocols` is configured but none of
 * them matches → 400.
 *
 * Subprotocol choice: the first entry of `protocols` (the server's order of preference) that the
 * client offered, compared exactly (names are case-sensitive); with `protocols` absent or empty,
 * offers are ignored and no subprotocol is selected; a client that offers none gets none.
 * Extensions are never accepted: offers are ignored and no `Sec-WebSocket-Extensions` is sent.
 * @param req the request: method, HTTP version and header fields.
 * @param options `protocols`: the subprotocols this server speaks, most preferred first.
 * @returns a 101 decision with its response headers, or a refusal with status, reason and headers.
 * @throws TypeError if a configured protocol name is not an HTTP token or appears twice.
 * @example
 * server.on("upgrade", (req, socket) => {
 *   const decision = validateUpgradeRequest(req, { protocols: ["chat"] });
 *   if (!decision.ok) return refuse(socket, decision.status, decision.reason, decision.headers);
 *   accept(socket, decision.headers); // writes "HTTP/1.1 101 Switching Protocols" and the headers
 * });
 */
export function validateUpgradeRequest(
  req: UpgradeRequest,
  options: { protocols?: readonly string[] } = {},
): UpgradeDecision {
  const configured = options.protocols ?? [];
  assertProtocolNames(configured, "configured");
  const fields = lowerCaseFields(req.headers);
  const key = checkRequest(req, fields);
  if (typeof key !== "string") return key;

  const headers: Record<string, string> = {
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Accept": computeAcceptKey(key),
  };
  const offered = configured.length === 0 ? [] : headerList(fields, "sec-websocket-protocol");
  if (offered.length === 0) return { ok: true, protocol: undefined, headers };
  const protocol = configured.find((name) => offered.includes(name));
  if (protocol === undefined) {
    return badRequest(
      `none of the offered subprotocols (${offered.map(quote).join(", ")}) is supported; ` +
        `this server speaks ${configured.map(quote).join(", ")}`,
    );
  }
  headers["Sec-WebSocket-Protocol"] = protocol;
  return { ok: true, protocol, headers };
}

/** The request's valid `Sec-WebSocket-Key`, or a refusal for the first thing wrong apart from subprotocols. */
function checkRequest(req: UpgradeRequest, headers: HeaderFields): string | UpgradeDecision {
  if (req.method !== "GET") {
    return {
      ok: false,
      status: 405,
      reason: `method ${quote(req.method ?? "")} cannot open a WebSocket; use GET`,
      headers: { Allow: "GET" },
    };
  }
  const versionProblem = httpVersionProblem(req.httpVersion);
  if (versionProblem !== undefined) return badRequest(versionProblem);
  const host = singleHeader(headers, "host");
  if (host.state === "missing" || (host.state === "present" && host.value === "")) {
    return badRequest("the Host header is missing");
  }
  if (host.state === "repeated") return badRequest("the Host header appears more than once");
  const bodyProblem = announcedBody(headers);
  if (bodyProblem !== undefined) return badRequest(bodyProblem);
  const tokenProblem = missingToken(headers, "Upgrade", "websocket") ?? missingToken(headers, "Connection", "upgrade");
  if (tokenProblem !== undefined) return badRequest(tokenProblem);
  const key = singleHeader(headers, "sec-websocket-key");
  if (key.state === "missing") return badRequest("the Sec-WebSocket-Key header is missing");
  if (key.state === "repeated") return badRequest("the Sec-WebSocket-Key header has more than one value");
  if (!KEY_FORMAT.test(key.value)) {
    return badRequest(`Sec-WebSocket-Key ${quote(key.value)} is not the base64 encoding of 16 bytes`);
  }
  const wsVersion = singleHeader(headers, "sec-websocket-version");
  if (wsVersion.state !== "present" || wsVersion.value !== String(WS_VERSION)) {
    const found =
      wsVersion.state === "missing" ? "the Sec-WebSocket-Version header is missing"
      : wsVersion.state === "repeated" ? "the Sec-WebSocket-Version header has more than one value"
      : `Sec-WebSocket-Version ${quote(wsVersion.value)} is not supported`;
    return {
      ok: false,
      status: 426,
      reason: `${found}; this server speaks version ${WS_VERSION}`,
      headers: { "Sec-WebSocket-Version": String(WS_VERSION) },
    };
  }
  return key.value;
}

/** What is wrong with the request's HTTP version, or undefined for 1.1 or later. */
function httpVersionProblem(httpVersion: string): string | undefined {
  if (httpVersion === "1.1") return undefined;
  const version = HTTP_VERSION_FORMAT.exec(httpVersion);
  if (version === null) return `HTTP version ${quote(httpVersion)} is not valid`;
  const [, major, minor] = version;
  if (Number(major) < 1 || (Number(major) === 1 && Number(minor) < 1)) {
    return `HTTP/${httpVersion} cannot open a WebSocket; HTTP/1.1 or later is required`;
  }
  return undefined;
}

/** What is wrong when header `name` lacks `token` (compared ignoring case), or undefined if it has it. */
function missingToken(headers: HeaderFields, name: "Upgrade" | "Connection", token: string): string | undefined {
  const field = name === "Upgrade" ? "upgrade" : "connection";
  if (headerHasToken(headers, field, token)) return undefined;
  const elements = headerList(headers, field);
  return elements.length === 0
    ? `the ${name} header is missing; it must include "${token}"`
    : `the ${name} header must include "${token}", got ${quote(elements.join(", "))}`;
}

/**
 * What is wrong when the request announces a body, or undefined when it has none. Whatever
 * follows an upgrade request's headers is WebSocket data, so a body would be read as frames.
 */
function announcedBody(headers: HeaderFields): string | undefined {
  if (headerValues(headers, "transfer-encoding").length > 0) {
    return "an upgrade request must not carry a body (it has Transfer-Encoding)";
  }
  const length = headerValues(headers, "content-length");
  if (length.some((value) => value.trim() !== "0")) {
    return "an upgrade request must not carry a body (it has a non-zero Content-Length)";
  }
  return undefined;
}

/** A 400 refusal with `reason`. */
function badRequest(reason: string): UpgradeDecision {
  return { ok: false, status: 400, reason, headers: {} };
}

/**
 * Build a client's upgrade request headers (RFC 6455 section 4.1) with a fresh random key.
 * The caller adds the request line and `Host`, and keeps `key` to verify the response.
 * @param options `protocols`: subprotocols to offer, most preferred first; `headers`: extra
 *   request headers (for example `Origin` or `Authorization`).
 * @returns the base64 key and the request headers: `Connection`, `Upgrade`,
 *   `Sec-WebSocket-Version`, `Sec-WebSocket-Key`, `Sec-WebSocket-Protocol` when protocols are
 *   offered, then the extra headers.
 * @throws TypeError if a protocol name is not an HTTP token or is offered twice, if an extra
 *   header name is not a token or its value holds a control character, or if an extra header
 *   would set one of the handshake's own headers (including `Sec-WebSocket-Extensions`, since
 *   extensions are not supported).
 * @example
 * const { key, headers } = createClientHandshake({ protocols: ["chat"] });
 * const req = http.request({ host, port, path: "/ws", headers });
 * req.on("upgrade", (res, socket) => {
 *   const result = verifyUpgradeResponse(res.statusCode ?? 0, res.headers, key, ["chat"]);
 *   if (!result.ok) socket.destroy(new Error(result.reason));
 * });
 */
export function createClientHandshake(
  options: { protocols?: readonly string[]; headers?: Record<string, string> } = {},
): { key: string; headers: Record<string, string> } {
  const protocols = options.protocols ?? [];
  assertProtocolNames(protocols, "offered");
  const key = randomBytes(16).toString("base64");
  const headers: Record<string, string> = {
    Connection: "Upgrade",
    Upgrade: "websocket",
    "Sec-WebSocket-Version": String(WS_VERSION),
    "Sec-WebSocket-Key": key,
  };
  if (protocols.length > 0) headers["Sec-WebSocket-Protocol"] = protocols.join(", ");
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!isToken(name)) throw new TypeError(`header name ${quote(name)} is not a valid HTTP token`);
    if (CLIENT_HANDSHAKE_HEADERS.includes(name.toLowerCase())) {
      throw new TypeError(`header ${quote(name)} is set by the WebSocket handshake and cannot be overridden`);
    }
    if (!isFieldValue(value)) {
      throw new TypeError(`header ${quote(name)} has a value with a control character: ${quote(value)}`);
    }
    headers[name] = value;
  }
  return { key, headers };
}

/**
 * Verify the server's response to a client upgrade request (RFC 6455 section 4.1): status 101,
 * an `Upgrade` with a `websocket` token and a `Connection` with an `upgrade` token (ignoring
 * case), a `Sec-WebSocket-Accept` matching `key`, no extension selected, and a subprotocol, if
 * any, that is a single one of those offered (none may be selected when none was offered).
 * @param status the response's HTTP status code.
 * @param headers the response header fields (names in any case).
 * @param key the `Sec-WebSocket-Key` the request was sent with.
 * @param offered the subprotocols the request offered.
 * @returns ok with the selected subprotocol (undefined when none), or a reason saying what failed.
 * @example
 * const result = verifyUpgradeResponse(101, res.headers, key, ["chat"]);
 * if (result.ok) console.log("subprotocol:", result.protocol ?? "none");
 */
export function verifyUpgradeResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  key: string,
  offered: readonly string[],
): ResponseVerdict {
  if (status !== 101) return { ok: false, reason: `expected status 101 Switching Protocols, got ${status}` };
  headers = lowerCaseFields(headers);
  const tokenProblem = missingToken(headers, "Upgrade", "websocket") ?? missingToken(headers, "Connection", "upgrade");
  if (tokenProblem !== undefined) return { ok: false, reason: `in the response, ${tokenProblem}` };
  const accept = singleHeader(headers, "sec-websocket-accept");
  if (accept.state === "missing") return { ok: false, reason: "the Sec-WebSocket-Accept header is missing" };
  if (accept.state === "repeated") {
    return { ok: false, reason: "the Sec-WebSocket-Accept header has more than one value" };
  }
  if (accept.value !== computeAcceptKey(key)) {
    return { ok: false, reason: `Sec-WebSocket-Accept ${quote(accept.value)} does not match the key sent` };
  }
  const extensions = headerList(headers, "sec-websocket-extensions");
  if (extensions.length > 0) {
    return { ok: false, reason: `the server selected extensions ${quote(extensions.join(", "))}, none were offered` };
  }
  return selectedProtocol(headers, offered);
}

/** The subprotocol a 101 response selected, checked against those offered. */
function selectedProtocol(
  headers: HeaderFields,
  offered: readonly string[],
): ResponseVerdict {
  const selected = singleHeader(headers, "sec-websocket-protocol");
  if (selected.state === "missing") return { ok: true, protocol: undefined };
  if (selected.state === "repeated") {
    return { ok: false, reason: "the server selected more than one subprotocol" };
  }
  if (offered.length === 0) {
    return { ok: false, reason: `the server selected subprotocol ${quote(selected.value)}, none was offered` };
  }
  if (!offered.includes(selected.value)) {
    return {
      ok: false,
      reason:
        `the server selected subprotocol ${quote(selected.value)}, ` +
        `which was not offered (${offered.map(quote).join(", ")})`,
    };
  }
  return { ok: true, protocol: selected.value };
}

/** Throw unless every name is an HTTP token and none appears twice. */
function assertProtocolNames(names: readonly string[], role: "configured" | "offered"): void {
  // Lists are a handful of names: a search of the earlier ones beats allocating a Set per call.
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (!isToken(name)) throw new TypeError(`${role} subprotocol ${quote(name)} is not a valid HTTP token`);
    if (names.indexOf(name) < i) throw new TypeError(`${role} subprotocol ${quote(name)} appears twice`);
  }
}
