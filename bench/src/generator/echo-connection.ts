// One load-generator connection: upgrade, pipelined echoes checked byte for byte, close handshake.
import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { withResolvers, type Operation, type WithResolvers } from "effection";
import { computeAcceptKey } from "@fiberws/core";
import { encodeCloseFrame, type FrameTrain } from "./frames.js";
import { ReplyReader } from "./reply-reader.js";
import type { LatencyHistogram } from "../stats.js";

/** Where an echo endpoint listens. */
export interface EchoTarget {
  host: string;
  port: number;
  /** Request path of the upgrade, e.g. "/echo/". */
  path: string;
}

/** Totals shared by the connections of one job; counted only while `recording` is true. */
export interface EchoCounters {
  recording: boolean;
  echoes: number;
  /** Payload bytes echoed back (one direction). */
  bytes: number;
  /** Send-to-echo latency of each message. */
  latency: LatencyHistogram;
}

const MAX_RESPONSE_HEAD = 16 * 1024;
const HEAD_END = Buffer.from("\r\n\r\n");

/** A handshake key and the Sec-WebSocket-Accept it calls for. */
interface Handshake {
  key: string;
  accept: string;
}

/**
 * Handshake keys drawn at random once per process, and their accept values, taken in turn by
 * new connections; and one close frame for all. Drawing a key, hashing it and masking a close
 * frame for every churn cycle took ~7% of the generator's time in (e), where the generator,
 * not the server, sets the pace. A server cannot tell: a key only has to be a base64 nonce of
 * 16 bytes, and no server checks that a key is new.
 */
const HANDSHAKES: readonly Handshake[] = Array.from({ length: 64 }, () => {
  const key = randomBytes(16).toString("base64");
  return { key, accept: computeAcceptKey(key) };
});
let nextHandshake = 0;
const CLOSE_FRAME = encodeCloseFrame();

type Phase = "upgrading" | "open" | "closing" | "ended";

/**
 * A client connection to an echo endpoint. Construct it, `yield* upgraded`, then `run(depth)`
 * to keep `depth` messages in flight: each read's completed echoes are answered with one write
 * of the next frames (a slice of the pre-built train). `stop()` ends sending and `drained`
 * resolves once every message sent has come back; `close()` performs the close handshake.
 * Any mismatch, socket error or unexpected close rejects whatever is being waited for.
 * @example
 * const conn = new EchoConnection(target, train, counters);
 * try {
 *   yield* conn.upgraded;
 *   conn.run(16);
 *   yield* sleep(1000);
 *   conn.stop();
 *   yield* conn.drained;
 *   yield* conn.close();
 * } finally {
 *   conn.destroy();
 * }
 */
export class EchoConnection {
  /** The TCP socket (owned by this object). */
  readonly socket: Socket;
  private readonly train: FrameTrain;
  private readonly reader: ReplyReader;
  private readonly counters: EchoCounters | undefined;
  private readonly handshake = HANDSHAKES[nextHandshake++ % HANDSHAKES.length] as Handshake;
  private readonly upgrade = withResolvers<void>();
  private readonly drain = withResolvers<void>();
  private readonly closing = withResolvers<void>();
  private phase: Phase = "upgrading";
  private head: Buffer = Buffer.alloc(0);
  private sentAt = new Float64Array(1);
  private sending = false;
  private sent = 0;
  private limit = Infinity;

  /**
   * Connect (the upgrade request is sent once TCP is up).
   * @param target the endpoint.
   * @param train the message cycle to send.
   * @param counters where to count echoes and latency, or undefined not to.
   */
  constructor(target: EchoTarget, train: FrameTrain, counters?: EchoCounters) {
    this.train = train;
    this.reader = new ReplyReader(train.messages);
    this.counters = counters;
    this.socket = connect({ host: target.host, port: target.port, noDelay: true });
    this.socket.on("connect", () => this.socket.write(upgradeRequest(target, this.handshake.key)));
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.onClose());
  }

  /** Resolves when the server has accepted the upgrade; rejects if it refused or failed. */
  get upgraded(): Operation<void> {
    return this.upgrade.operation;
  }

  /** Resolves once sending has stopped (or hit its limit) and every echo has come back. */
  get drained(): Operation<void> {
    return this.drain.operation;
  }

  /** Echoes completed on this connection. */
  get echoes(): number {
    return this.reader.echoes;
  }

  /**
   * Start sending, keeping `depth` messages in flight.
   * @param depth messages in flight (at most the train's cycle length).
   * @param limit total messages to send; Infinity until `stop()`.
   * @throws Error if the connection is not open or already running.
   */
  run(depth: number, limit: number = Infinity): void {
    if (this.phase !== "open" || this.sent > 0) throw new Error(`cannot start sending while ${this.phase}`);
    this.sentAt = new Float64Array(depth);
    this.limit = limit;
    this.sending = true;
    this.send(Math.min(depth, limit));
  }

  /** Stop sending new messages; `drained` resolves when those in flight are back. */
  stop(): void {
    this.sending = false;
    if (this.sent === this.reader.echoes) this.drain.resolve();
  }

  /**
   * Send a close frame, wait for the server's close frame, end TCP and wait for it to close.
   * @returns an operation that completes when the socket has closed.
   * @throws Error if the connection fails before the handshake completes.
   */
  close(): Operation<void> {
    if (this.phase === "open") {
      this.phase = "closing";
      this.sending = false;
      this.socket.write(CLOSE_FRAME);
    }
    return this.closing.operation;
  }

  /** Drop the connection at once (idempotent); pending waits are abandoned. */
  destroy(): void {
    this.phase = "ended";
    this.socket.destroy();
  }

  private send(count: number): void {
    const now = performance.now();
    const depth = this.sentAt.length;
    for (let i = 0; i < count; i++) this.sentAt[(this.sent + i) % depth] = now;
    this.socket.write(this.train.slice(this.sent, count));
    this.sent += count;
  }

  private onData(chunk: Buffer): void {
    try {
      if (this.phase === "upgrading") this.readUpgrade(chunk);
      else if (this.phase !== "ended") this.readEchoes(chunk);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private readUpgrade(chunk: Buffer): void {
    this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf(HEAD_END);
    if (end < 0) {
      if (this.head.length > MAX_RESPONSE_HEAD) throw new Error("upgrade response head too large");
      return;
    }
    const problem = checkUpgradeResponse(this.head.toString("latin1", 0, end), this.handshake.accept);
    if (problem !== undefined) throw new Error(problem);
    const rest = this.head.subarray(end + HEAD_END.length);
    this.head = Buffer.alloc(0);
    this.phase = "open";
    this.upgrade.resolve();
    if (rest.length > 0) this.readEchoes(rest);
  }

  private readEchoes(chunk: Buffer): void {
    const reader = this.reader;
    const before = reader.echoes;
    const completed = reader.feed(chunk);
    if (completed > 0) this.complete(before, completed);
    if (reader.closeReceived) {
      if (this.phase !== "closing") throw new Error("the server closed the connection");
      this.socket.end();
    }
  }

  private complete(first: number, count: number): void {
    const counters = this.counters;
    if (counters !== undefined && counters.recording) {
      const now = performance.now();
      const depth = this.sentAt.length;
      for (let i = 0; i < count; i++) counters.latency.record(now - this.sentAt[(first + i) % depth]);
      counters.echoes += count;
      const messages = this.train.messages;
      for (let i = 0; i < count; i++) counters.bytes += messages[(first + i) % messages.length].payload.length;
    }
    if (this.sending) {
      const next = Math.min(count, this.limit - this.sent);
      if (next > 0) this.send(next);
      if (this.sent === this.limit) this.sending = false;
    }
    if (!this.sending && this.sent === this.reader.echoes) this.drain.resolve();
  }

  private onClose(): void {
    if (this.phase === "closing" && this.reader.closeReceived) {
      this.phase = "ended";
      this.closing.resolve();
    } else {
      this.fail(new Error(`the connection closed while ${this.phase}`));
    }
  }

  private fail(error: Error): void {
    if (this.phase === "ended") return;
    this.phase = "ended";
    this.socket.destroy();
    for (const waiting of [this.upgrade, this.drain, this.closing] as WithResolvers<void>[]) waiting.reject(error);
  }
}

/** The HTTP/1.1 upgrade request for `target`. */
function upgradeRequest(target: EchoTarget, key: string): string {
  return (
    `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
    "Sec-WebSocket-Version: 13\r\n\r\n"
  );
}

/**
 * Check a response head (status line and header fields) for a valid 101 upgrade.
 * @param head the text before the blank line.
 * @param accept the Sec-WebSocket-Accept that the key sent calls for.
 * @returns undefined if valid, else what is wrong.
 */
export function checkUpgradeResponse(head: string, accept: string): string | undefined {
  const lines = head.split("\r\n");
  if (!/^HTTP\/1\.1 101\b/.test(lines[0])) return `upgrade refused: ${lines[0]}`;
  const answered = lines
    .slice(1)
    .map((line) => /^sec-websocket-accept:\s*(\S+)\s*$/i.exec(line))
    .find((match) => match !== null);
  if (answered == null) return "upgrade response without Sec-WebSocket-Accept";
  if (answered[1] !== accept) return "upgrade response with a wrong Sec-WebSocket-Accept";
  return undefined;
}
