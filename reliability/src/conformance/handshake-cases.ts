// The opening handshake of /echo/: requests that are not a valid version-13 upgrade get a definite HTTP status.
import { RawClient, upgradeRequest } from "../raw-client.js";

/** A request and the answer it must get. */
export interface HandshakeCase {
  id: string;
  title: string;
  /** The request's bytes. */
  request: string;
  /** The status it must be answered with. */
  status: number;
  /** Header fields the answer must carry (lower-case names, exact values; undefined: must be absent). */
  headers: Record<string, string | undefined>;
}

/** The handshake cases. */
export const HANDSHAKE_CASES: readonly HandshakeCase[] = [
  {
    id: "H.1",
    title: "answers a plain GET to /echo/ with 426 Upgrade Required",
    request: "GET /echo/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    status: 426,
    headers: {},
  },
  {
    id: "H.2",
    title: "answers Sec-WebSocket-Version 8 with 426 and Sec-WebSocket-Version: 13",
    request: upgradeRequest("/echo/", { "Sec-WebSocket-Version": "8" }),
    status: 426,
    headers: { "sec-websocket-version": "13" },
  },
  {
    id: "H.3",
    title: "answers an upgrade without Sec-WebSocket-Key with 400",
    request: upgradeRequest("/echo/", { "Sec-WebSocket-Key": "" }),
    status: 400,
    headers: {},
  },
  {
    id: "H.4",
    title: "accepts an upgrade offering permessage-deflate without agreeing to the extension",
    request: upgradeRequest("/echo/", { "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" }),
    status: 101,
    headers: { "sec-websocket-extensions": undefined },
  },
];

/**
 * Send a case's request on a fresh connection and read the answer's head.
 * @param port the server's port.
 * @param testCase the case.
 * @returns the status and the header fields named in the case, as received (undefined when absent).
 * @throws Error if no answer comes within 5 s.
 */
export async function answerHandshake(port: number, testCase: HandshakeCase): Promise<{ status: number; headers: Record<string, string | undefined> }> {
  const client = await RawClient.connect(port);
  try {
    client.write(testCase.request);
    const head = await client.response();
    const headers = Object.fromEntries(Object.keys(testCase.headers).map((name) => [name, head.headers.get(name)?.join(", ")]));
    return { status: head.status, headers };
  } finally {
    client.destroy();
  }
}
