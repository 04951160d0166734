// The WebSocket connection protocol (RFC 6455 sections 5 and 7): bytes in, events and frames out.
import { decodeClosePayload, encodeClosePayload, MAX_CLOSE_REASON, type CloseInfo } from "./close.js";
import {
  WS_MAX_CONTROL,
  WS_MAX_FRAME,
  WS_MAX_MESSAGE,
  WS_MSG_BINARY,
  WS_MSG_CLOSE,
  WS_MSG_CONT,
  WS_MSG_PING,
  WS_MSG_PONG,
  WS_MSG_TEXT,
  WS_STATE_CLOSED,
  WS_STATE_CLOSING,
  WS_STATE_OPEN,
  WS_STATUS_MESSAGE_TOO_LARGE,
  WS_STATUS_NO_STATUS,
} from "./constants.js";
import { FrameQueue } from "./encoder.js";
import { ProtocolError } from "./errors.js";
import { FrameReader, type Role } from "./frame.js";
import { MessageAssembler, type MessageEvent } from "./message.js";

export type { Role } from "./frame.js";
export type { MessageEvent } from "./message.js";
export type { CloseInfo } from "./close.js";

/** How a `Protocol` behaves; every field but `role` can also be changed later on the instance. */
export interface ProtocolOptions {
  /** "server" expects masked frames and sends unmasked ones; "client" the reverse. */
  role: Role;
  /** Largest frame payload accepted, and the size sent messages are split at (default 128 KiB; Infinity = unlimited). */
  maxFrame?: number;
  /** Largest message accepted (default 1 MiB; Infinity = unlimited). */
  maxMessage?: number;
  /** Reject text messages and close reasons that are not valid UTF-8 with 1007 (default true). */
  validateUTF?: boolean;
  /** Deliver each data frame as it completes (`last` false until the final one) instead of whole messages (default false). */
  partial?: boolean;
  /**
   * Leave the peer's close, and the close for a protocol error, unqueued until the caller
   * answers with `answerClose` (or `close`), so that replies to the messages that came before
   * them can still be sent (RFC 6455 section 5.5.1 lets an endpoint finish sending its current
   * message first). Default false: the close is queued as soon as the frame is parsed.
   */
  deferCloseEcho?: boolean;
}

/**
 * What `Protocol.receive` reports, in the order the frames arrived:
 * - `message`: a data message (text as a string, binary as a Buffer), or a piece of one in partial mode;
 * - `ping`: the peer's ping; the pong reply is already queued (unless we had sent a close);
 * - `pong`: the peer's pong;
 * - `close`: the peer's close frame (code 1005 if it carried none); the echo is already queued
 *   unless we had sent a close first or `deferCloseEcho` is on (then `answerClose` queues it);
 * - `error`: a protocol violation (code 1002, 1007 or 1009); a close frame with that code is
 *   already queued (unless we had sent one, or `deferCloseEcho` is on: then `answerClose`
 *   queues it) and nothing further is parsed.
 */
export type ProtocolEvent =
  | MessageEvent
  | { kind: "ping"; data: Buffer }
  | { kind: "pong"; data: Buffer }
  | { kind: "close"; code: number; reason: string }
  | { kind: "error"; code: number; message: string };

/**
 * One WebSocket connection's protocol state, with no I/O: feed it the bytes read from the socket
 * with `receive`, act on the events it reports, queue frames with `send`, `ping`, `pong` and
 * `close`, and write what `takeOutgoing` hands back.
 *
 * Received bytes may arrive in any chunking. A chunk may be unmasked in place, and a delivered
 * binary message may be a view of it, so a caller must not reuse a chunk's memory after passing
 * it in. With `deferCloseEcho`, the peer's close is reported in order after the messages before
 * it but not answered: `send` still works until the caller answers with `answerClose`, so the
 * replies to those messages go out before the echo. After our close frame is sent, incoming
 * frames are still parsed and reported until the
 * peer's close arrives (the caller may drop messages), but no pong answers a ping any more:
 * nothing follows a close frame on the wire.
 *
 * @example
 * ```ts
 * const protocol = new Protocol({ role: "server" });
 * const events: ProtocolEvent[] = [];
 * protocol.receive(bytesFromSocket, events);
 * for (const event of events) {
 *   if (event.kind === "message") protocol.send(event.type, event.data); // echo
 * }
 * for (const piece of protocol.takeOutgoing()) socket.write(piece);
 * ```
 */
export class Protocol {
  /** Which end of the connection this is. */
  readonly role: Role;
  /** Largest frame payload accepted (1009 beyond it); sent messages are split into frames of this size. */
  maxFrame: number;
  /** Largest message accepted (1009 beyond it). */
  maxMessage: number;
  /** Whether text and close reasons must be valid UTF-8 (1007 otherwise). */
  validateUTF: boolean;
  /** Whether data frames are delivered one by one as they complete. */
  partial: boolean;
  /** Whether the peer's close, and a protocol error's close, wait for `answerClose` instead of being queued at once. */
  deferCloseEcho: boolean;

  private currentState = WS_STATE_OPEN;
  private sentClose: CloseInfo | undefined;
  private receivedClose: CloseInfo | undefined;
  /** With `deferCloseEcho`: the close a protocol error calls for, until `answerClose` queues it. */
  private pendingFailure: CloseInfo | undefined;
  /** Set once nothing more is parsed: after a protocol error or the peer's close. */
  private stopped = false;
  private readonly reader: FrameReader;
  private readonly assembler: MessageAssembler;
  /** Gathers a control frame's payload when it spans chunks (made on first need). */
  private controlBuffer: Buffer | undefined = undefined;
  private controlFill = 0;
  private readonly outgoing = new FrameQueue();
  /** True between a `send(..., more = true)` and the send that ends the message. */
  private sendingMessage = false;
  /** Whether pings' answers are held (see `holdPongs`). */
  private holdingPongs = false;
  /** The latest ping's payload, while its answer is held. */
  private heldPong: Buffer | undefined = undefined;

  /**
   * @param options the role, limits and modes
   * @throws TypeError when the role is neither "server" nor "client"
   */
  constructor(options: ProtocolOptions) {
    if (options.role !== "server" && options.role !== "client") {
      throw new TypeError(`role must be "server" or "client", not ${String(options.role)}`);
    }
    this.role = options.role;
    this.maxFrame = options.maxFrame ?? WS_MAX_FRAME;
    this.maxMessage = options.maxMessage ?? WS_MAX_MESSAGE;
    this.validateUTF = options.validateUTF ?? true;
    this.partial = options.partial ?? false;
    this.deferCloseEcho = options.deferCloseEcho ?? false;
    this.reader = new FrameReader(this.role);
    this.assembler = new MessageAssembler(this);
  }

  /**
   * `WS_STATE_OPEN`, then `WS_STATE_CLOSING` once one side's close frame is out (or, with
   * `deferCloseEcho`, the peer's close came and is not answered yet), `WS_STATE_CLOSED` once both
   * are (or after a protocol error).
   */
  get state(): number {
    return this.currentState;
  }

  /** The close frame we queued (code 1005 when it carried none), if any. */
  get closeSent(): CloseInfo | undefined {
    return this.sentClose;
  }

  /** The peer's close frame (code 1005 when it carried none), if one arrived. */
  get closeReceived(): CloseInfo | undefined {
    return this.receivedClose;
  }

  /**
   * The protocol error found in the input whose close waits for `answerClose` (only with
   * `deferCloseEcho`): its code and message, or undefined.
   */
  get pendingError(): CloseInfo | undefined {
    return this.pendingFailure;
  }

  /** True while the peer's close or a protocol error waits for `answerClose` (only with `deferCloseEcho`). */
  get awaitingAnswer(): boolean {
    return this.sentClose === undefined && (this.pendingFailure !== undefined || this.receivedClose !== undefined);
  }

  /** Bytes waiting in the outgoing queue. */
  get outgoingBytes(): number {
    return this.outgoing.bytes;
  }

  /**
   * Parses bytes from the peer and appends the resulting events in order. Any chunking works: a
   * frame may span many calls and a call may hold many frames. Never throws on bad input: a
   * violation yields one `"error"` event, queues a close frame with its code and ends parsing;
   * input after an error or after the peer's close frame is ignored.
   *
   * @param chunk bytes read from the socket; may be unmasked in place and viewed by delivered messages
   * @param events the list to append events to
   * @example
   * ```ts
   * const events: ProtocolEvent[] = [];
   * protocol.receive(chunk, events);
   * ```
   */
  receive(chunk: Buffer, events: ProtocolEvent[]): void {
    if (this.stopped) return;
    try {
      this.parse(chunk, events);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.fail(error, events);
    }
  }

  /**
   * Queues a data message, or a piece of one when `more` is true: the first piece goes out as a
   * TEXT or BINARY frame, later pieces as CONT frames, and the piece sent without `more` carries
   * FIN. Data larger than `maxFrame` is split into several frames. Client frames are masked (the
   * caller's bytes are left untouched); an unmasked binary payload over 16 KiB is queued by
   * reference, so it must not change until written.
   *
   * @param type 1 (`WS_MSG_TEXT`) or 2 (`WS_MSG_BINARY`); ignored for the pieces after the first
   * @param data the payload; a string is sent as UTF-8
   * @param more true when more pieces of this message follow
   * @throws RangeError for a type other than 1 or 2
   * @throws Error when a close frame was already sent or received (with `deferCloseEcho`: when
   *   a close frame was already sent, the peer's unanswered close does not stop sends)
   * @example
   * ```ts
   * protocol.send(WS_MSG_TEXT, "hello");
   * protocol.send(WS_MSG_BINARY, head, true);
   * protocol.send(WS_MSG_BINARY, tail); // one message: BINARY (no FIN) + CONT (FIN)
   * ```
   */
  send(type: 1 | 2, data: string | Uint8Array, more = false): void {
    this.assertOpen("a message");
    if (type !== WS_MSG_TEXT && type !== WS_MSG_BINARY) {
      throw new RangeError(`message type must be 1 (text) or 2 (binary), not ${String(type)}`);
    }
    let opcode = this.sendingMessage ? WS_MSG_CONT : type;
    this.sendingMessage = more;
    let payload = data;
    const frameSize = Math.max(1, this.maxFrame);
    // A string of n UTF-16 units takes at most 3n bytes: only long strings can need splitting.
    if (typeof payload === "string" && payload.length * 3 > frameSize && Buffer.byteLength(payload) > frameSize) {
      payload = Buffer.from(payload);
    }
    if (typeof payload !== "string") {
      let offset = 0;
      while (payload.length - offset > frameSize) {
        this.queue(opcode, false, payload.subarray(offset, offset + frameSize));
        opcode = WS_MSG_CONT;
        offset += frameSize;
      }
      if (offset > 0) payload = payload.subarray(offset);
    }
    this.queue(opcode, !more, payload);
  }

  /**
   * Queues a ping frame.
   *
   * @param data the payload (at most 125 bytes), echoed back by the peer's pong
   * @throws RangeError when the payload is over 125 bytes
   * @throws Error when a close frame was already sent or received (with `deferCloseEcho`: sent)
   */
  ping(data: string | Uint8Array = ""): void {
    this.queueControl(WS_MSG_PING, data, "a ping");
  }

  /**
   * Queues a pong frame (an unsolicited pong is a one-way heartbeat; pings are answered automatically).
   *
   * @param data the payload (at most 125 bytes)
   * @throws RangeError when the payload is over 125 bytes
   * @throws Error when a close frame was already sent or received (with `deferCloseEcho`: sent)
   */
  pong(data: string | Uint8Array = ""): void {
    this.queueControl(WS_MSG_PONG, data, "a pong");
  }

  /**
   * Hold the answers to pings, or stop holding them. While held, only the latest ping's answer
   * is kept (RFC 6455 section 5.5.3 lets an endpoint answer the most recent ping only); it is
   * queued when holding stops, unless a close was sent meanwhile. For a caller whose output is
   * backed up: a peer that sends pings and does not read cannot make answers pile up.
   *
   * @param hold whether to hold them
   */
  holdPongs(hold: boolean): void {
    this.holdingPongs = hold;
    const held = this.heldPong;
    if (hold || held === undefined) return;
    this.heldPong = undefined;
    if (this.sentClose === undefined) this.queue(WS_MSG_PONG, true, held);
  }

  /** True while the answer to a ping is held (see `holdPongs`). */
  get pongHeld(): boolean {
    return this.heldPong !== undefined;
  }

  /**
   * Queues a close frame and moves to `WS_STATE_CLOSING` (or `WS_STATE_CLOSED` if the peer's close
   * already came). Without a code, the frame has an empty payload (reported locally as 1005).
   *
   * @param code the status code: 1000-1003, 1007-1014 or 3000-4999
   * @param reason the reason text, at most 123 bytes of UTF-8 (needs a code)
   * @throws RangeError for a code that cannot be sent (1005, 1006, 1015, below 1000, 1004,
   *   1016-2999, over 4999), a reason over 123 bytes, or a reason without a code
   * @throws Error when a close frame was already sent
   * @example
   * ```ts
   * protocol.close(1000, "bye");
   * ```
   */
  close(code?: number, reason = ""): void {
    if (this.sentClose !== undefined) throw new Error("cannot send a close frame: one was already sent");
    const payload = encodeClosePayload(code, reason);
    this.queue(WS_MSG_CLOSE, true, payload);
    this.sentClose = { code: code ?? WS_STATUS_NO_STATUS, reason };
    this.currentState = this.receivedClose === undefined ? WS_STATE_CLOSING : WS_STATE_CLOSED;
  }

  /**
   * Answers the peer's close, or a protocol error: queues a close frame with the peer's code and
   * an empty reason (no code if the peer's had none), or with the error's code and message,
   * unless a close was already sent. This is done automatically unless `deferCloseEcho` is on.
   *
   * @throws Error when no close frame was received from the peer and no protocol error occurred
   * @example
   * ```ts
   * for (const event of events) {
   *   if (event.kind === "message") protocol.send(event.type, event.data); // reply first
   *   else if (event.kind === "close") protocol.answerClose();             // then the echo
   * }
   * ```
   */
  answerClose(): void {
    const failure = this.pendingFailure;
    const received = this.receivedClose;
    if (failure === undefined && received === undefined) {
      throw new Error("cannot answer a close: none was received");
    }
    if (this.sentClose !== undefined) return;
    this.pendingFailure = undefined;
    if (failure !== undefined) this.queueFinalClose(failure.code, failure);
    else if (received !== undefined) {
      const echoCode = received.code === WS_STATUS_NO_STATUS ? undefined : received.code;
      this.queueFinalClose(echoCode, { code: received.code, reason: "" });
    }
  }

  /** Queues the last close frame of the connection: the conversation is over both ways. */
  private queueFinalClose(code: number | undefined, sent: CloseInfo): void {
    this.queue(WS_MSG_CLOSE, true, encodeClosePayload(code, sent.reason));
    this.sentClose = sent;
    this.currentState = WS_STATE_CLOSED;
  }

  /**
   * Hands over the queued frames, in order, for writing; the queue becomes empty.
   *
   * @returns the buffers to write, in order (possibly none)
   */
  takeOutgoing(): Buffer[] {
    return this.outgoing.take();
  }

  private parse(chunk: Buffer, events: ProtocolEvent[]): void {
    const reader = this.reader;
    let pos = 0;
    for (;;) {
      if (reader.inHeader) {
        if (pos === chunk.length) return;
        pos = reader.readHeader(chunk, pos);
        if (pos < 0) return;
        this.checkFrameSize();
        if (pos === chunk.length && reader.remaining > 0) return;
      } else if (pos === chunk.length) {
        return;
      }
      const start = pos;
      const frameStart = reader.remaining === reader.length;
      if (reader.opcode >= WS_MSG_CLOSE) {
        pos = reader.readPayload(chunk, pos);
        this.addControlPayload(chunk, start, pos, frameStart, reader.remaining === 0, events);
        if (this.stopped) return;
      } else {
        pos = this.readDataPayload(chunk, pos, frameStart, events);
      }
    }
  }

  /**
   * Passes the piece of a data frame's payload at `chunk[pos]` to the assembler. A frame that
   * ends inside its first chunk is unmasked in place (a whole message is then delivered as a
   * view of the chunk, with no copy). A frame spanning chunks is copied out of them into a
   * buffer of its own, unmasked on the way: one pass over the bytes instead of two (unmask in
   * place, then join the pieces), and no chunk is kept alive until the frame completes. On
   * 64 KiB echoes (benchmark c) unmasking and joining took 18% of the server's busy time,
   * copying while unmasking takes 9%. The frame's buffer is allocated whole, so only once a fair
   * share of the frame has arrived (see {@link spansChunks}); the pieces before that are kept as
   * views and moved into it. (Allocated only at a frame's start, a 1 MiB frame whose first read
   * was small was unmasked in place and joined: 2 passes, ~15% of benchmark d's server time.)
   * @returns the position after the piece
   */
  private readDataPayload(chunk: Buffer, pos: number, frameStart: boolean, events: ProtocolEvent[]): number {
    const reader = this.reader;
    const assembler = this.assembler;
    const type = reader.messageType === WS_MSG_TEXT ? WS_MSG_TEXT : WS_MSG_BINARY;
    const spanning =
      (frameStart ? undefined : assembler.spanningFrame) ??
      (spansChunks(reader.length, reader.length - reader.remaining + chunk.length - pos)
        ? assembler.startSpanningFrame(reader.length)
        : undefined);
    if (spanning === undefined) {
      const end = reader.readPayload(chunk, pos);
      assembler.addPayload(chunk, pos, end, type, frameStart, reader.remaining === 0, reader.fin, events);
      return end;
    }
    const offset = reader.length - reader.remaining;
    const end = reader.readPayloadInto(chunk, pos, spanning);
    assembler.addPayload(spanning, offset, offset + end - pos, type, frameStart, reader.remaining === 0, reader.fin, events);
    return end;
  }

  /** Applies the size limits to the frame whose header just arrived. */
  private checkFrameSize(): void {
    const reader = this.reader;
    if (reader.length > this.maxFrame) {
      throw new ProtocolError(
        WS_STATUS_MESSAGE_TOO_LARGE,
        `frame payload of ${reader.length} bytes exceeds maxFrame ${this.maxFrame}`,
      );
    }
    if (reader.opcode < WS_MSG_CLOSE) this.assembler.beginFrame(reader.length);
  }

  /** Gathers a control frame's payload (at most 125 bytes) and acts on the frame once complete. */
  private addControlPayload(
    chunk: Buffer,
    start: number,
    end: number,
    frameStart: boolean,
    frameEnd: boolean,
    events: ProtocolEvent[],
  ): void {
    let payload: Buffer;
    if (frameStart && frameEnd) {
      payload = chunk.subarray(start, end);
    } else {
      const gathered = (this.controlBuffer ??= Buffer.allocUnsafe(WS_MAX_CONTROL));
      chunk.copy(gathered, this.controlFill, start, end);
      this.controlFill += end - start;
      if (!frameEnd) return;
      payload = Buffer.from(gathered.subarray(0, this.controlFill));
      this.controlFill = 0;
    }
    const opcode = this.reader.opcode;
    if (opcode === WS_MSG_PING) {
      if (this.sentClose !== undefined) {
        // No answer after our close.
      } else if (this.holdingPongs) {
        this.heldPong = Buffer.from(payload); // a copy: not a slice keeping the whole read
      } else {
        this.queue(WS_MSG_PONG, true, payload);
      }
      events.push({ kind: "ping", data: payload });
    } else if (opcode === WS_MSG_PONG) {
      events.push({ kind: "pong", data: payload });
    } else {
      this.receiveClose(decodeClosePayload(payload, this.validateUTF), events);
    }
  }

  /** Records the peer's close, echoes its code unless we closed first or the echo is deferred, and stops parsing. */
  private receiveClose(info: CloseInfo, events: ProtocolEvent[]): void {
    this.receivedClose = info;
    this.stopped = true;
    if (this.sentClose !== undefined) this.currentState = WS_STATE_CLOSED;
    else if (this.deferCloseEcho) this.currentState = WS_STATE_CLOSING;
    else this.answerClose();
    events.push({ kind: "close", code: info.code, reason: info.reason });
  }

  /**
   * Fails the connection: reports the violation and stops parsing; queues a close with its code
   * now, or (with `deferCloseEcho`) when the caller reaches the error and calls `answerClose`.
   */
  private fail(error: ProtocolError, events: ProtocolEvent[]): void {
    this.stopped = true;
    events.push({ kind: "error", code: error.code, message: error.message });
    if (this.sentClose !== undefined) {
      this.currentState = WS_STATE_CLOSED;
      return;
    }
    const reason = Buffer.byteLength(error.message) <= MAX_CLOSE_REASON ? error.message : "";
    if (this.deferCloseEcho) {
      this.pendingFailure = { code: error.code, reason };
      this.currentState = WS_STATE_CLOSING;
    } else {
      this.queueFinalClose(error.code, { code: error.code, reason });
    }
  }

  /** Queues a ping or pong after checking the state and the 125-byte limit. */
  private queueControl(opcode: number, data: string | Uint8Array, what: string): void {
    this.assertOpen(what);
    const length = typeof data === "string" ? Buffer.byteLength(data) : data.length;
    if (length > WS_MAX_CONTROL) {
      throw new RangeError(`${what} payload of ${length} bytes exceeds ${WS_MAX_CONTROL}`);
    }
    this.queue(opcode, true, data);
  }

  /** Encodes one frame (masked in the client role) onto the outgoing queue. */
  private queue(opcode: number, fin: boolean, payload: string | Uint8Array): void {
    this.outgoing.push(opcode, fin, payload, this.role === "client");
  }

  /** @throws Error when nothing more may be sent (a close frame went out or the connection is closed). */
  private assertOpen(what: string): void {
    if (this.currentState === WS_STATE_CLOSED) throw new Error(`cannot send ${what}: the connection is closed`);
    if (this.sentClose !== undefined) throw new Error(`cannot send ${what}: a close frame was already sent`);
  }
}

/**
 * At most this many times the bytes of a frame already received are allocated for it ahead of
 * the rest: a peer cannot make the server allocate a `maxFrame`-sized buffer by announcing a
 * frame and sending little of it.
 */
const SPAN_AHEAD = 16;

/**
 * And at most this many bytes beyond what has arrived: 16 socket reads of 64 KiB, the most the
 * rule above allowed when only a frame's first read counted. Without it, a peer announcing a
 * 16 MiB frame (the echo's limit) made the server hold 16 MiB once it had sent 1 MiB.
 */
const MAX_AHEAD = 1024 * 1024;

/**
 * Whether a data frame of `length` bytes, of which `arrived` bytes have arrived with the chunk
 * in hand, is copied into a buffer of its own from now on: it must go on past this chunk, and
 * the buffer may be at most {@link SPAN_AHEAD} times what has arrived (a 1 MiB frame needs
 * 64 KiB of it) and at most {@link MAX_AHEAD} bytes more. Until then its pieces are kept as
 * views of the chunks.
 */
function spansChunks(length: number, arrived: number): boolean {
  return length > arrived && length <= arrived * SPAN_AHEAD && length - arrived <= MAX_AHEAD;
}
