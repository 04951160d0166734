// A raw TCP client for hostile tests: write any bytes, read an HTTP head, read and check frames.
import { createHash } from "node:crypto";
import { connect, type Socket } from "node:net";
import { encodeClientFrame, MalformedFrameError, OPCODE, ServerFrameReader, closePayload, type ServerMessage } from "./frames.js";

/** An HTTP response head as received. */
export interface HttpHead {
  /** The status code, or 0 when the status line is not HTTP/1.x. */
  status: number;
  /** Header fields by lower-case name, every value in order. */
  headers: Map<string, string[]>;
  /** The head's text up to (not including) the blank line. */
  text: string;
}

/** How a connection ended, as {@link RawClient.closed} reports it. */
export interface ClosedOutcome {
  /** Every message and control frame the server sent, in order. */
  messages: ServerMessage[];
  /** The server's close frame, if it sent one. */
  close: Extract<ServerMessage, { kind: "close" }> | undefined;
  /** What was malformed in the server's frames, if anything was. */
  malformed: string | undefined;
  /** The socket failed (for example a reset) rather than closing cleanly. */
  error: Error | undefined;
}

/** The key every raw upgrade sends, and the accept value a server must answer it with. */
export const UPGRADE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT = createHash("sha1").update(`${UPGRADE_KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");

/**
 * A client that speaks bytes, not WebSocket: it writes whatever a test gives it and checks what
 * comes back. First it reads an HTTP response head, then (after a 101) every byte as frames,
 * through a strict {@link ServerFrameReader}. Each wait has a timeout and leaves no timer.
 */
export class RawClient {
  /** The TCP connection. */
  readonly socket: Socket;
  /** The server's frames after the handshake, checked. */
  readonly frames = new ServerFrameReader();
  private head: HttpHead | undefined = undefined;
  private bytes: Buffer = Buffer.alloc(0);
  private malformed: string | undefined = undefined;
  private error: Error | undefined = undefined;
  private ended = false;
  private readonly checks = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error: Error) => (this.error ??= error));
    socket.on("close", () => {
      this.ended = true;
      this.recheck();
    });
  }

  /**
   * Open a TCP connection.
   * @param port the server's port on `host`.
   * @param host the address (default 127.0.0.1).
   * @returns the connected client.
   * @throws Error if the connection fails.
   */
  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /**
   * Connect and upgrade to `path` with a well-formed request, sending `early` (frames) in the
   * same write, and wait for the 101.
   * @param port the server's port.
   * @param path the request target.
   * @param early bytes to send right after the request, before the answer.
   * @param headers extra or replacing header fields.
   * @returns the client, its handshake done.
   * @throws Error if the answer is not a 101 with the right accept key.
   * @example
   * const client = await RawClient.upgrade(port, "/echo/", encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from("hi") }));
   */
  static async upgrade(port: number, path: string, early?: Uint8Array, headers: Record<string, string> = {}): Promise<RawClient> {
    const client = await RawClient.connect(port);
    client.write(early ? Buffer.concat([Buffer.from(upgradeRequest(path, headers)), early]) : upgradeRequest(path, headers));
    const head = await client.response();
    if (head.status !== 101 || head.headers.get("sec-websocket-accept")?.[0] !== ACCEPT) {
      client.destroy();
      throw new Error(`the upgrade to ${path} was answered with: ${head.text}`);
    }
    return client;
  }

  /** True once the socket has closed. */
  get isClosed(): boolean {
    return this.ended;
  }

  /**
   * Write bytes as they are.
   * @param data the bytes (a string is sent as latin1, byte for byte).
   */
  write(data: string | Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /**
   * Send one masked frame.
   * @param opcode the opcode.
   * @param payload the payload.
   * @param fin the FIN bit (default true).
   */
  sendFrame(opcode: number, payload: string | Uint8Array = "", fin = true): void {
    this.write(encodeClientFrame({ opcode, payload: typeof payload === "string" ? Buffer.from(payload) : payload, fin }));
  }

  /**
   * Send a close frame.
   * @param code the close code.
   * @param reason the reason.
   */
  sendClose(code = 1000, reason = ""): void {
    this.write(encodeClientFrame({ opcode: OPCODE.CLOSE, payload: closePayload(code, reason) }));
  }

  /** Half-close: tell the server no more bytes come. */
  end(): void {
    this.socket.end();
  }

  /** Drop the connection with a TCP reset. */
  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }

  /** Close the socket at once (no reset). */
  destroy(): void {
    this.socket.destroy();
  }

  /**
   * Wait for the HTTP response head.
   * @param timeout ms to wait at most.
   * @returns the head; bytes after it are read as frames.
   * @throws Error if the connection closes first or `timeout` passes.
   */
  response(timeout = 5000): Promise<HttpHead> {
    return this.waitFor("an HTTP response", timeout, () => this.head);
  }

  /**
   * Wait for the next message or control frame the server sends.
   * @param timeout ms to wait at most.
   * @returns the message.
   * @throws MalformedFrameError if the server sent a malformed frame; Error if the connection
   * closes first or `timeout` passes.
   */
  nextMessage(timeout = 5000): Promise<ServerMessage> {
    return this.waitFor("a message", timeout, () => {
      if (this.malformed !== undefined) throw new MalformedFrameError(this.malformed);
      return this.frames.messages.shift();
    });
  }

  /**
   * Wait until the server has sent at least `count` messages and control frames in all
   * (those taken with {@link nextMessage} not counted).
   * @param count how many.
   * @param timeout ms to wait at most.
   * @throws MalformedFrameError if the server sent a malformed frame; Error if the connection
   * closes first or `timeout` passes.
   */
  async received(count: number, timeout = 5000): Promise<void> {
    await this.waitFor(`${count} messages`, timeout, () => {
      if (this.malformed !== undefined) throw new MalformedFrameError(this.malformed);
      return this.frames.messages.length >= count ? true : undefined;
    });
  }

  /**
   * Wait until the server closes the TCP connection.
   * @param timeout ms to wait at most.
   * @returns what the server sent (the messages not taken with {@link nextMessage}) and how it ended.
   * @throws Error if the connection is still open after `timeout`.
   */
  closed(timeout = 5000): Promise<ClosedOutcome> {
    return this.waitFor("the connection to close", timeout, () =>
      this.ended
        ? { messages: this.frames.messages, close: this.frames.close, malformed: this.malformed, error: this.error }
        : undefined,
    );
  }

  /** Resolve with `probe`'s first defined answer, re-asked on every arrival. */
  private waitFor<T>(what: string, timeout: number, probe: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        let value: T | undefined;
        try {
          value = probe();
        } catch (error) {
          settle();
          reject(error);
          return;
        }
        if (value !== undefined) {
          settle();
          resolve(value);
        } else if (this.ended) {
          settle();
          reject(new Error(`the connection closed while waiting for ${what}; received ${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; received ${this.describe()}`));
      }, timeout);
      const settle = (): void => {
        clearTimeout(timer);
        this.checks.delete(check);
      };
      this.checks.add(check);
      check();
    });
  }

  private describe(): string {
    if (this.head === undefined) return JSON.stringify(this.bytes.toString("latin1").slice(0, 200));
    return JSON.stringify(this.frames.messages.map((message) => message.kind));
  }

  private onData(chunk: Buffer): void {
    if (this.head === undefined) {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      const end = this.bytes.indexOf("\r\n\r\n");
      if (end < 0) return this.recheck();
      this.head = parseHead(this.bytes.subarray(0, end).toString("latin1"));
      chunk = this.bytes.subarray(end + 4);
      this.bytes = Buffer.alloc(0);
    }
    if (this.head.status === 101 && this.malformed === undefined && chunk.length > 0) {
      try {
        this.frames.push(chunk);
      } catch (error) {
        this.malformed = error instanceof Error ? error.message : String(error);
      }
    }
    this.recheck();
  }

  private recheck(): void {
    for (const check of [...this.checks]) check();
  }
}

/**
 * The text of a WebSocket upgrade request.
 * @param path the request target.
 * @param headers header fields to add or replace (a value of "" removes the field).
 * @param method the method (default GET).
 * @param version the HTTP version (default 1.1).
 * @returns the request, ending with the blank line.
 */
export function upgradeRequest(path: string, headers: Record<string, string> = {}, method = "GET", version = "1.1"): string {
  const fields: Record<string, string> = {
    Host: "127.0.0.1",
    Connection: "Upgrade",
    Upgrade: "websocket",
    "Sec-WebSocket-Key": UPGRADE_KEY,
    "Sec-WebSocket-Version": "13",
    ...headers,
  };
  const lines = Object.entries(fields)
    .filter(([, value]) => value !== "")
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${path} HTTP/${version}\r\n${lines.join("")}\r\n`;
}

function parseHead(text: string): HttpHead {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
  }
  return { status, headers, text };
}
