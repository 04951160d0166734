// Sending on a connection: messages, streamed pieces and close, as operations with backpressure.
import { format } from "node:util";
import { action, ensure, useScope, type Effect, type Operation } from "effection";
import {
  WS_MSG_BINARY,
  WS_MSG_CONT,
  WS_MSG_MORE,
  WS_MSG_PING,
  WS_MSG_PONG,
  WS_MSG_TEXT,
  WS_STATUS_POLICY_VIOLATION,
} from "@fiberws/core";
import { DrainTimeoutError } from "./socket.js";
import { WebSocketClosedError } from "./closed-error.js";
import type { WebSocket } from "./connection.js";

/** Bytes queued for the socket (in the protocol and the socket) that make a send wait. */
function overHighWater(ws: WebSocket): boolean {
  const channel = ws.channel;
  return ws.protocol.outgoingBytes + channel.writableLength >= channel.socket.writableHighWaterMark;
}

/** @throws WebSocketClosedError saying why nothing can be sent on `ws`, if it is closing, closed or lost. */
function assertOpen(ws: WebSocket, what: string): void {
  if (!ws.closing && !ws.lost) return;
  const sent = ws.protocol.closeSent;
  const why = ws.finished
    ? "it is closed"
    : sent
      ? `it is closing (close ${sent.code} sent)`
      : "the connection was lost";
  throw new WebSocketClosedError(`${what}: cannot send on connection "${ws.name}": ${why}`);
}

/**
 * After frames were queued: write them now and wait for the socket to drain when over its
 * high-water mark, else flush at the end of this turn together with other sends.
 * @throws WebSocketClosedError if the connection closes while waiting
 */
function* paceOutput(ws: WebSocket): Operation<void> {
  if (!overHighWater(ws)) {
    ws.scheduleFlush();
    return;
  }
  ws.flush();
  if (!ws.channel.needsDrain) return;
  try {
    yield* ws.channel.drain(ws.sendTimeout);
  } catch (error) {
    if (!(error instanceof DrainTimeoutError)) {
      throw new WebSocketClosedError(`cannot send on connection "${ws.name}": ${(error as Error).message}`, { cause: error });
    }
    ws.startClose(WS_STATUS_POLICY_VIOLATION, "send timeout");
    ws.recordFailure(WS_STATUS_POLICY_VIOLATION, error.message);
    throw error;
  }
}

/** Wait while another task streams a message on `ws` (its pieces must not be interleaved). */
function* awaitStreamTurn(ws: WebSocket): Operation<unknown> {
  const scope = yield* useScope();
  while (ws.streamOwner !== undefined && ws.streamOwner !== scope) {
    yield* action<void>((resolve) => {
      (ws.streamWaiters ??= []).push(resolve);
      return () => {
        const waiters = ws.streamWaiters;
        const at = waiters ? waiters.indexOf(resolve) : -1;
        if (waiters && at >= 0) waiters.splice(at, 1);
      };
    });
  }
  return scope;
}

/**
 * Make `scope` the owner of `ws`'s stream lock. The first time a scope takes it, the end of
 * that scope is watched: ending with the message unfinished (returned or halted partway)
 * fails the connection with 1011 and releases the lock, so other senders never wait forever.
 */
function* takeStream(ws: WebSocket, scope: unknown): Operation<void> {
  ws.streamOwner = scope;
  const guards = (ws.streamGuards ??= new Set());
  if (guards.has(scope)) return;
  guards.add(scope);
  yield* ensure(() => {
    guards.delete(scope);
    if (ws.streamOwner === scope) ws.abandonStream();
  });
}

/** Queue one message and pace the output: the path every data send takes. */
function* sendMessage(ws: WebSocket, type: 1 | 2, data: string | Uint8Array, what: string): Operation<void> {
  if (ws.streamOwner !== undefined) yield* awaitStreamTurn(ws);
  assertOpen(ws, what);
  ws.protocol.send(type, data);
  yield* paceOutput(ws);
}

/**
 * Send a text message formatted like printf (`util.format`: `%s`, `%d`, `%j`, `%o`, ...).
 * Waits while the peer is not reading (the socket is over its high-water mark).
 * @param ws - the connection
 * @param fmt - the format
 * @param args - the values for the format
 * @returns the message's length in bytes
 * @throws WebSocketClosedError if the connection is closing, closed or lost (nothing is
 *   written), or closes while waiting; DrainTimeoutError when the send timeout passes (the connection is closed with 1008)
 * @example
 * ```ts
 * yield* webSocketSend(ws, "echo: %s", buf);
 * ```
 */
export function* webSocketSend(ws: WebSocket, fmt: string, ...args: unknown[]): Operation<number> {
  const text = args.length === 0 ? fmt : format(fmt, ...args);
  yield* sendMessage(ws, WS_MSG_TEXT, text, "webSocketSend");
  return Buffer.byteLength(text);
}

/**
 * Send a string as one text message.
 * @param ws - the connection
 * @param text - the message
 * @returns the message's length in bytes
 * @throws WebSocketClosedError if the connection is closing, closed or lost (nothing is
 *   written), or closes while waiting; DrainTimeoutError when the send timeout passes (the connection is closed with 1008)
 */
export function* webSocketSendString(ws: WebSocket, text: string): Operation<number> {
  yield* sendMessage(ws, WS_MSG_TEXT, text, "webSocketSendString");
  return Buffer.byteLength(text);
}

/**
 * Send a value as JSON text. With `key`, send only that property of `value` (a dotted path
 * such as `"sensor.reading"` walks nested objects), as the seed's `webSocketSendJson(ws, json,
 * nid, key)` sends the node under `key`.
 * @param ws - the connection
 * @param value - the value to serialise
 * @param key - the property (or dotted path) of `value` to send instead of all of it
 * @returns the message's length in bytes
 * @throws TypeError if the value (or the property `key` names) cannot be serialised: undefined,
 *   a function or a symbol; WebSocketClosedError if the connection is closing, closed or lost
 *   (nothing is written)
 * @example
 * ```ts
 * yield* webSocketSendJson(ws, { type: "telemetry", temperature: 23 });
 * ```
 */
export function* webSocketSendJson(ws: WebSocket, value: unknown, key?: string): Operation<number> {
  const selected = key === undefined ? value : selectPath(value, key);
  const text = JSON.stringify(selected) as string | undefined;
  if (text === undefined) {
    throw new TypeError(`webSocketSendJson: ${key === undefined ? "the value" : `property "${key}"`} has no JSON form`);
  }
  yield* sendMessage(ws, WS_MSG_TEXT, text, "webSocketSendJson");
  return Buffer.byteLength(text);
}

function selectPath(value: unknown, path: string): unknown {
  let node = value;
  for (const name of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[name];
  }
  return node;
}

/**
 * Send a message, or a piece of one. With `WS_MSG_MORE` or-ed into `type`, more pieces follow
 * (`WS_MSG_CONT` or the same type) until one without it ends the message; while a message is
 * streamed, sends from other tasks wait, so frames never interleave. If the streaming task's
 * scope ends (it returns or is halted) before the last piece, the half message can be neither
 * finished nor withdrawn: the connection fails with 1011 and the waiting senders are released
 * (they then throw WebSocketClosedError). `WS_MSG_PING` and `WS_MSG_PONG` send control frames.
 * @param ws - the connection
 * @param type - WS_MSG_TEXT, WS_MSG_BINARY or WS_MSG_CONT, optionally | WS_MSG_MORE; or WS_MSG_PING / WS_MSG_PONG
 * @param data - the payload
 * @param len - send only the first `len` bytes of `data` (of a string's UTF-8: cut before a
 *   character the limit would split, so text stays valid)
 * @returns the number of payload bytes sent
 * @throws RangeError for an unknown type, or a continuation with no message streaming;
 *   WebSocketClosedError if the connection is closing, closed or lost (nothing is written)
 * @example
 * ```ts
 * yield* webSocketSendBlock(ws, WS_MSG_TEXT | WS_MSG_MORE, "Hello, ");
 * yield* webSocketSendBlock(ws, WS_MSG_CONT, "world");
 * ```
 */
export function webSocketSendBlock(
  ws: WebSocket,
  type: number,
  data: string | Uint8Array,
  len?: number,
): Operation<number> {
  return new SendBlock(ws, type, data, len);
}

/**
 * The operation of one {@link webSocketSendBlock}. A whole message sent while no message is
 * streamed and the socket is under its high-water mark (nearly every send) completes on its
 * first step with no generator: it saved ~2% of the server's time on pipelined 64-byte echoes
 * (two generator objects and their resumptions per message). Everything else continues in
 * {@link sendBlockSlowly}.
 */
class SendBlock implements Operation<number>, Iterator<Effect<unknown>, number, unknown> {
  private rest: Iterator<Effect<unknown>, number, unknown> | undefined = undefined;
  private started = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly type: number,
    private readonly data: string | Uint8Array,
    private readonly len: number | undefined,
  ) {}

  [Symbol.iterator](): Iterator<Effect<unknown>, number, unknown> {
    // Each run of the operation needs its own state; the first one uses this object.
    if (this.started) return new SendBlock(this.ws, this.type, this.data, this.len);
    this.started = true;
    return this;
  }

  next(value?: unknown): IteratorResult<Effect<unknown>, number> {
    if (this.rest !== undefined) return this.rest.next(value);
    const { ws, type } = this;
    if ((type === WS_MSG_TEXT || type === WS_MSG_BINARY) && ws.streamOwner === undefined) {
      const payload = this.len === undefined ? this.data : truncate(this.data, this.len);
      assertOpen(ws, "webSocketSendBlock");
      ws.protocol.send(type, payload);
      const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
      if (!overHighWater(ws)) {
        ws.scheduleFlush();
        return { done: true, value: size };
      }
      this.rest = paceThenReturn(ws, size);
    } else {
      this.rest = sendBlockSlowly(ws, type, this.data, this.len);
    }
    return this.rest.next();
  }

  return(value: number): IteratorResult<Effect<unknown>, number> {
    return this.rest?.return?.(value) ?? { done: true, value };
  }

  throw(error: unknown): IteratorResult<Effect<unknown>, number> {
    if (this.rest?.throw === undefined) throw error;
    return this.rest.throw(error);
  }
}

function* paceThenReturn(ws: WebSocket, size: number): Generator<Effect<unknown>, number, unknown> {
  yield* paceOutput(ws);
  return size;
}

/** {@link webSocketSendBlock} for streamed pieces, control frames and sends that must wait. */
function* sendBlockSlowly(
  ws: WebSocket,
  type: number,
  data: string | Uint8Array,
  len: number | undefined,
): Generator<Effect<unknown>, number, unknown> {
  const payload = len === undefined ? data : truncate(data, len);
  const opcode = type & ~WS_MSG_MORE;
  const more = (type & WS_MSG_MORE) !== 0;
  const size = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  if (opcode === WS_MSG_PING || opcode === WS_MSG_PONG) {
    assertOpen(ws, "webSocketSendBlock");
    if (opcode === WS_MSG_PING) ws.protocol.ping(payload);
    else ws.protocol.pong(payload);
    ws.flush();
    return size;
  }
  if (opcode !== WS_MSG_TEXT && opcode !== WS_MSG_BINARY && opcode !== WS_MSG_CONT) {
    throw new RangeError(`webSocketSendBlock: unknown message type ${type}`);
  }
  // Only streamed messages need the caller's scope: a plain send performs no effect at all,
  // which saved ~10% of the server's time on small echoes (one effect per message).
  const scope = more || ws.streamOwner !== undefined ? yield* awaitStreamTurn(ws) : undefined;
  assertOpen(ws, "webSocketSendBlock");
  const streaming = ws.streamOwner !== undefined;
  if (opcode === WS_MSG_CONT && !streaming) {
    throw new RangeError("webSocketSendBlock: WS_MSG_CONT with no message being streamed (start one with WS_MSG_MORE)");
  }
  // The protocol engine continues a streamed message whatever type the later pieces name.
  ws.protocol.send(opcode === WS_MSG_BINARY ? WS_MSG_BINARY : WS_MSG_TEXT, payload, more);
  if (more) {
    if (!streaming) yield* takeStream(ws, scope);
  } else if (streaming) {
    ws.releaseStream();
  }
  yield* paceOutput(ws);
  return size;
}

/** `data` cut to at most `len` bytes; a string before any character that `len` would split. */
function truncate(data: string | Uint8Array, len: number): string | Uint8Array {
  if (typeof data !== "string") return data.length <= len ? data : data.subarray(0, len);
  if (Buffer.byteLength(data) <= len) return data;
  const bytes = Buffer.from(data);
  let end = len;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--; // a continuation byte: back to its character's start
  return bytes.subarray(0, end);
}

/**
 * Send a close frame; the connection then waits (up to its close timeout) for the peer's. If
 * the peer's close came and is not answered yet, this is the answer. Later sends throw
 * WebSocketClosedError, and `webSocketRun` treats that error from a callback as a bug.
 * @param ws - the connection
 * @param status - the close code (1000, 1001, 1008, 3000-4999, ...)
 * @param reason - why, at most 123 bytes of UTF-8
 * @throws RangeError for a code that may not be sent (1005, 1006, 1015, ...) or a long reason;
 *   WebSocketClosedError if a close was already sent, or the connection is closed or lost
 * @example
 * ```ts
 * yield* webSocketSendClose(ws, WS_STATUS_OK, "bye");
 * ```
 */
export function* webSocketSendClose(ws: WebSocket, status: number, reason: string): Operation<void> {
  assertOpen(ws, "webSocketSendClose");
  ws.startClose(status, reason);
  // Only a close that went out (or was already under way) is the application's own.
  ws.closedByApplication = true;
}
