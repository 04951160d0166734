// The WebSocket connection object: its state, the reader, outgoing flushes and the close start.
import type { Socket } from "node:net";
import { Err, type Coroutine, type Operation } from "effection";
import {
  Protocol,
  WS_STATE_CLOSED,
  WS_STATE_CLOSING,
  WS_STATE_OPEN,
  WS_STATUS_COMMS_ERROR,
  WS_STATUS_INTERNAL_ERROR,
  WS_STATUS_NO_STATUS,
  WS_STATUS_OK,
  type ProtocolEvent,
  type Role,
} from "@fiberws/core";
import { currentCoroutine, IdleWait, isHibernation } from "../runtime/hibernate.js";
import { fiberOfScope } from "../runtime/fiber-context.js";
import type { FiberRecord } from "../runtime/fiber.js";
import type { Clock, TimerHandle } from "./clock.js";
import { SocketChannel, type SocketConsumer } from "./socket.js";
import { armTimer, closeStarted, keepAliveChanged, stopTimer } from "./timers.js";

/** How a connection behaves: its role, limits and timeouts. */
export interface WebSocketOptions {
  /** "server" for accepted connections, "client" for connections this side opened. */
  role: Role;
  /** The subprotocol agreed in the handshake, if any. */
  protocol?: string;
  /** Largest frame payload accepted, in bytes (default 128 KiB; Infinity = unlimited). */
  maxFrame?: number;
  /** Largest message accepted, in bytes (default 1 MiB; Infinity = unlimited). */
  maxMessage?: number;
  /** Check that text messages are valid UTF-8 (default true). */
  validateUTF?: boolean;
  /** Deliver each data frame as it arrives, as WS_EVENT_PARTIAL_MESSAGE (default false). */
  partial?: boolean;
  /** Send a ping after this many ms without input; 0 (the default) never pings. */
  pingPeriod?: number;
  /** Close with 1011 when nothing arrives this many ms after a ping (default: the ping period). */
  pingTimeout?: number;
  /**
   * After sending a close, wait this many ms for the peer's before dropping TCP, and as long for
   * buffered output to drain once the connection is released (default 5000); 0 = as long as it takes.
   */
  closeTimeout?: number;
  /** Close with 1008 when a send waits this many ms for the peer to read; 0 (default) = never. */
  sendTimeout?: number;
  /** A name for logs and fiber stats (default "websocket"). */
  name?: string;
  /**
   * Let the fiber running `webSocketRun` hibernate after this many ms without an event: its
   * effection task (~10 KB) is given back while it waits and a new one resumes it at the next
   * event. 0 = never. Default {@link DEFAULT_HIBERNATE_AFTER}. Outside a fiber it does nothing.
   */
  hibernateAfter?: number;
}

/**
 * The default idle time (ms) before a connection's fiber hibernates. Resuming costs one task
 * (a few microseconds), so a connection woken at most every 100 ms spends under 0.01% of a core
 * on it, while an idle one holds ~10 KB less.
 */
export const DEFAULT_HIBERNATE_AFTER = 100;

/** A received data message: `type` WS_MSG_TEXT carries a string, WS_MSG_BINARY a Buffer. */
export type WebSocketMessage = Extract<ProtocolEvent, { kind: "message" }>;

/** How a connection ended: the peer's close code (1006 when none came) and reason. */
export interface WebSocketClosed {
  code: number;
  reason: string;
}

/** Everything the reader queues for a connection's consumer, in order. */
export type ConnectionEvent = ProtocolEvent | { kind: "end" };

/** What a consumer of a connection acts on: a message, or a protocol error (its close already sent). */
export type DeliverableEvent = Extract<ProtocolEvent, { kind: "message" | "error" }>;

/** Pause reading while unread messages hold more than this many bytes. */
const PAUSE_BYTES = 256 * 1024;
/** Bytes counted for each queued event besides its payload, so tiny messages count too. */
const EVENT_COST = 64;
/** The bytes an event holds while it waits in the queue. */
function queuedBytes(event: ConnectionEvent): number {
  switch (event.kind) {
    case "message":
      return event.length + EVENT_COST;
    case "ping":
    case "pong":
      return event.data.length + EVENT_COST;
    default:
      return EVENT_COST;
  }
}

/** The most events one read leaves in an ordinary pipelined run (benchmark b: 16 in flight). */
const SMALL_BATCH = 16;

let flushBatch: WebSocket[] = [];

function flushScheduled(): void {
  const batch = flushBatch;
  flushBatch = [];
  for (const ws of batch) {
    ws.flushQueued = false;
    ws.flush();
  }
}

/**
 * One WebSocket connection over an upgraded socket. The reader parses input as it arrives,
 * answering pings (and, unless `webSocketRun` dispatches, the peer's close) at once; data events
 * and the close wait in order for the dispatcher (`webSocketRun` or `messages`). Under
 * `webSocketRun` the peer's close is answered when the dispatcher reaches it, so replies to the
 * messages before it go out first. Sends append to the protocol's outgoing frames, which go out
 * in one socket write per batch. Read it through the `webSocketGet*` accessors.
 */
export class WebSocket implements SocketConsumer {
  /** The sans-I/O protocol engine of this connection. */
  readonly protocol: Protocol;
  /** The socket, bridged into effection. */
  readonly channel: SocketChannel;
  /** Name for logs. */
  readonly name: string;
  /** The agreed subprotocol. */
  subprotocol: string | undefined;
  /** Data the application attached with `webSocketSetData`. */
  data: unknown = undefined;
  /** The peer's close code once closed (1006 if it sent none). */
  closeStatus = 0;
  /** The peer's close reason once closed. */
  closeReason = "";
  /** What went wrong, for WS_EVENT_ERROR. */
  errorMessage = "";
  /** The close code of a failure detected here (timeout, protocol error, exception); 0 if none. */
  failureCode = 0;
  /** Byte length of the last message delivered. */
  messageLength = 0;
  /** Keep-alive ping period in ms (0 = off). */
  pingPeriod: number;
  /** Ms to wait for input after a keep-alive ping. */
  pingTimeout: number;
  /** Ms to wait for the peer's close after ours. */
  readonly closeTimeout: number;
  /** Ms a send may wait for the peer to read (0 = forever). */
  readonly sendTimeout: number;
  /** Closed: WS_EVENT_CLOSE is due, the socket is released. */
  finished = false;
  /** WS_EVENT_CLOSE was delivered (or claimed by a dispatcher). */
  closeFired = false;
  /** This side started the close (data arriving after it is discarded). */
  closedHere = false;
  /** The application closed the connection with `webSocketSendClose`. */
  closedByApplication = false;
  /** A callback of `webSocketRun` is running (the dispatcher is busy). */
  dispatching = false;
  /** Set by `webSocketRun`: the coroutine running its callbacks (renewed after hibernation). */
  dispatcher: Coroutine | undefined = undefined;
  /** The fiber the dispatcher ran in when it took the connection (undefined outside fibers). */
  private dispatcherFiber: FiberRecord | undefined = undefined;
  /** A flush of this connection is queued for the end of the current turn. */
  flushQueued = false;
  /** The scope streaming a WS_MSG_MORE message, which other senders wait for. */
  streamOwner: unknown = undefined;
  /** Senders waiting for the stream to end. */
  streamWaiters: (() => void)[] | undefined = undefined;
  /** The scopes whose end is watched for an unfinished streamed message. */
  streamGuards: Set<unknown> | undefined = undefined;

  /** @internal The time source of the connection's timers. */
  readonly clock: Clock;
  private readonly events: ConnectionEvent[] = [];
  private head = 0;
  private pendingBytes = 0;
  private paused = false;
  /** What the dispatcher waits on for the next event, reused at every wait. */
  private readonly arrival: IdleWait;
  /** @internal Input is being parsed (a dispatcher started). */
  reading = false;
  /** @internal The inactivity timeout in ms (0 = none). */
  inactivity = 0;
  /** @internal When input last arrived. */
  lastReceived = 0;
  /** @internal When the unanswered keep-alive ping went out. */
  pingSentAt: number | undefined = undefined;
  /** @internal When our close frame went out. */
  closeSentAt: number | undefined = undefined;
  /** @internal The one pending connection timer, if any. */
  timer: TimerHandle | undefined = undefined;
  /** @internal When the pending timer is due. */
  timerAt = 0;

  /**
   * Wrap an upgraded socket. Input is kept from now on but not parsed until a dispatcher starts.
   * @param socket - the upgraded socket
   * @param options - role, limits and timeouts
   * @param clock - the time source for timers
   * @throws RangeError from the protocol engine for invalid limits
   */
  constructor(socket: Socket, options: WebSocketOptions, clock: Clock) {
    this.clock = clock;
    this.name = options.name ?? "websocket";
    this.subprotocol = options.protocol;
    this.pingPeriod = options.pingPeriod ?? 0;
    this.pingTimeout = options.pingTimeout ?? 0;
    this.closeTimeout = options.closeTimeout ?? 5000;
    this.sendTimeout = options.sendTimeout ?? 0;
    this.arrival = new IdleWait(options.hibernateAfter ?? DEFAULT_HIBERNATE_AFTER);
    this.protocol = new Protocol({
      role: options.role,
      maxFrame: options.maxFrame,
      maxMessage: options.maxMessage,
      validateUTF: options.validateUTF,
      partial: options.partial,
    });
    this.channel = new SocketChannel(socket, { clock, closeTimeout: this.closeTimeout });
    socket.setNoDelay(true);
  }

  /**
   * Our close frame went out or the connection is closed: no more data can be sent. (The
   * peer's close alone does not stop sends until the dispatcher answers it.)
   */
  get closing(): boolean {
    return this.finished || this.protocol.closeSent !== undefined;
  }

  /** TCP is gone (or going) without a close frame from the peer: nothing sent would be read. */
  get lost(): boolean {
    const socket = this.channel.socket;
    return socket.destroyed || !socket.writable || (socket.readableEnded && this.protocol.closeReceived === undefined);
  }

  /** The seed's WS_STATE_* of this connection. */
  get state(): number {
    if (this.finished || this.protocol.state === WS_STATE_CLOSED) return WS_STATE_CLOSED;
    return this.protocol.state === WS_STATE_OPEN ? WS_STATE_OPEN : WS_STATE_CLOSING;
  }

  /**
   * Start parsing input: `head` (bytes read with the upgrade) first, then whatever the socket
   * delivered since the connection was made, then input as it arrives.
   * @param head - bytes to process before anything else, or null
   * @throws Error if input is already being parsed and `head` holds bytes (they would be late)
   */
  startReading(head: Buffer | null): void {
    if (this.reading) {
      if (head && head.length > 0) throw new Error("this connection is already reading: its pre-read bytes would arrive out of order");
      return;
    }
    this.reading = true;
    this.lastReceived = this.clock.now();
    if (head && head.length > 0) this.receive(head, false);
    this.channel.consume(this);
    armTimer(this);
  }

  /**
   * @internal The reader: parse a chunk, answer control frames, wake the dispatcher, and write
   * what that produced in one write.
   * @param chunk - bytes from the peer
   * @param live - called from the socket's event: a dispatcher fiber may run inline (its
   *   replies then go out in the write at the end of this call, before the event returns)
   */
  receive(chunk: Buffer, live: boolean): void {
    this.lastReceived = this.clock.now();
    this.pingSentAt = undefined;
    const events = this.events;
    const before = events.length;
    // receive() only appends protocol events; the queue also holds our own "end" events.
    this.protocol.receive(chunk, events as ProtocolEvent[]);
    let failed = false;
    for (let i = before; i < events.length; i++) {
      const event = events[i] as ConnectionEvent;
      // Pings and pongs wait in the queue too (each keeps its slice of the read): a flood of
      // them pauses reading like one of messages.
      this.pendingBytes += queuedBytes(event);
      if (event.kind === "error") failed = true;
    }
    // A protocol error makes the engine send a close of its own: wait for the answer.
    if (this.closeSentAt === undefined && this.protocol.closeSent) closeStarted(this);
    if (events.length > before) this.wakeForInput(live);
    // Checked after the wake: a waiting dispatcher has already taken what it could, so one large
    // message no longer pauses and resumes the socket (a pause per 1 MiB echo before).
    if (this.pendingBytes > PAUSE_BYTES && !this.paused) {
      this.paused = true;
      this.channel.pause();
    }
    this.flush();
    // The close handshake completed in the reader (the peer's close echoed at once, or its
    // answer to ours came): let TCP go now rather than when a consumer comes by, which may be
    // late or never (the server closes first; a client waits for that). Queued messages stay
    // readable.
    if (!this.finished && this.protocol.closeReceived !== undefined && this.protocol.closeSent !== undefined) this.finish();
    // A protocol error fails the connection: nothing more is read, so end our side now rather
    // than wait for a close answer that would not be parsed. (A deferred error close is sent
    // by closeForFailure when the dispatcher reaches the error.)
    if (failed && this.protocol.closeSent) this.channel.endOutput();
  }

  /**
   * Wake the dispatcher for new input. The replies it sends meanwhile are written by the
   * caller's flush, so no end-of-turn flush is scheduled for them (a queueMicrotask per
   * message, ~1 us, before).
   */
  private wakeForInput(live: boolean): void {
    const queued = this.flushQueued;
    this.flushQueued = true;
    try {
      if (live) this.arrival.wakeInline();
      else this.wake();
    } finally {
      this.flushQueued = queued;
    }
  }

  /**
   * The dispatcher reached a protocol error: send its close, after the replies to the messages
   * that came before it, and end our output (nothing more is parsed, so no answer is awaited).
   */
  closeForFailure(): void {
    if (this.protocol.awaitingAnswer) this.protocol.answerClose();
    if (this.closeSentAt === undefined && this.protocol.closeSent) closeStarted(this);
    this.flush();
    this.channel.endOutput();
  }

  /** @internal The socket's output drained: answer pings again, the held one first. */
  outputDrained(): void {
    this.protocol.holdPongs(false);
    this.flush();
  }

  /** @internal The socket's input is over. */
  inputEnded(): void {
    this.events.push({ kind: "end" });
    this.wake();
  }

  /**
   * Take the next event a consumer acts on, applying the others to the connection on the way:
   * data after our own close is dropped, a protocol error is recorded and its close sent, the
   * peer's close or the end of input finishes the connection, and pings and pongs (answered by
   * the reader) are passed over. Every consumer (`webSocketRun`, `messages`, `closeAndRelease`)
   * reads events through here, so they agree on what each event does.
   * @returns the next message or protocol error, or undefined when none is waiting (see `finished`)
   */
  nextEvent(): DeliverableEvent | undefined {
    for (;;) {
      const event = this.takeEvent();
      if (event === undefined) return undefined;
      switch (event.kind) {
        case "message":
          // Data that arrives after our close is discarded: the conversation is over.
          if (this.closedHere) break;
          this.messageLength = event.length;
          return event;
        case "error":
          this.recordFailure(event.code, event.message);
          this.closeForFailure();
          return event;
        case "close":
        case "end":
          this.finish();
          break;
        default:
          break;
      }
    }
  }

  /** The oldest undelivered event, or undefined when none is waiting. */
  private takeEvent(): ConnectionEvent | undefined {
    const events = this.events;
    if (this.head === events.length) {
      // A few events are popped: `length = 0` frees the array's store, which the next push
      // allocates again (~90 ns against ~5 per pop, per read). After a burst it is freed, as
      // pops would leave the burst's store to an idle connection.
      if (events.length > SMALL_BATCH) events.length = 0;
      else while (events.length > 0) events.pop();
      this.head = 0;
      return undefined;
    }
    const event = events[this.head++] as ConnectionEvent;
    this.pendingBytes -= queuedBytes(event);
    if (this.paused) {
      // Input waits unread because we are behind, not because the peer is quiet: the
      // inactivity timeout counts from the last event taken, and no keep-alive ping goes out
      // (its pong could not be read).
      this.lastReceived = this.clock.now();
      if (this.pendingBytes <= PAUSE_BYTES / 2) {
        this.paused = false;
        this.channel.resume();
        keepAliveChanged(this);
      }
    }
    return event;
  }

  /** @internal Reading is paused while the consumer catches up with queued input. */
  get inputPaused(): boolean {
    return this.paused;
  }

  /**
   * Flush what is queued, then wait until an event arrives. Inside a fiber an idle wait may
   * hibernate (see {@link WebSocketOptions.hibernateAfter}).
   */
  *waitForEvent(): Operation<void> {
    const dispatched = this.dispatcher !== undefined;
    const arrival = this.beginWait();
    if (arrival === undefined) return;
    if (isHibernation(yield arrival)) yield arrival.request;
    const routine = arrival.takeCoroutine();
    if (dispatched) this.dispatcher = routine;
  }

  /**
   * Flush what is queued and let go of the dispatcher before a wait for the next event: it is
   * not held while idle, so that a hibernating fiber keeps no coroutine alive (after
   * hibernation the dispatcher goes on in the coroutine of its new carrier, which the wait
   * hands over with `takeCoroutine`). For waiters that yield the wait themselves (see
   * {@link WebSocket.waitForEvent}).
   * @returns the wait to yield, or undefined if an event is already waiting
   */
  beginWait(): IdleWait | undefined {
    this.flush();
    if (this.head < this.events.length) return undefined;
    this.dispatcher = undefined;
    return this.arrival;
  }

  /**
   * Make the caller's coroutine the dispatcher: a hung callback is stopped by resuming it with
   * an error (see {@link WebSocket.interruptCallback}), with no helper task. (In a generator of
   * its own, so that no caller's frame keeps the coroutine alive while the fiber hibernates.)
   */
  *becomeDispatcher(): Operation<void> {
    this.dispatcher = yield* currentCoroutine();
    this.dispatcherFiber = fiberOfScope(this.dispatcher.scope);
  }

  /**
   * Stop the running `webSocketRun` callback by throwing `error` where it waits.
   * @returns false if no callback runs
   */
  interruptCallback(error: Error): boolean {
    const dispatcher = this.dispatcher;
    if (!this.dispatching || dispatcher === undefined) return false;
    // A fiber can leave its carrier inside a callback (hibernating while it waits on another
    // connection): the coroutine then runs another fiber, or none, and must not be touched.
    // Nor is the cleanup of a fiber halted out of hibernation, which runs critical.
    if (fiberOfScope(dispatcher.scope) !== this.dispatcherFiber || dispatcher.data.critical) return false;
    dispatcher.resume(Err(error));
    return true;
  }

  /** Write every queued frame in one socket write. */
  flush(): void {
    const protocol = this.protocol;
    const total = protocol.outgoingBytes;
    if (total === 0) return;
    if (this.channel.writeAll(protocol.takeOutgoing(), total)) return;
    // The output is backed up: until it drains, the answers to pings are held, the latest
    // alone, so that a peer flooding pings without reading cannot make them pile up.
    protocol.holdPongs(true);
    this.channel.noticeDrain();
  }

  /** Flush at the end of the current turn (one flush for all sends of the turn). */
  scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    if (flushBatch.push(this) === 1) queueMicrotask(flushScheduled);
  }

  /**
   * Send a close frame now, unless one was already sent or the connection is finished.
   * @param code - the close code
   * @param reason - the close reason (at most 123 bytes)
   * @throws RangeError for an unsendable code or a long reason
   */
  startClose(code: number, reason: string): void {
    if (this.finished || this.protocol.closeSent) return;
    // A protocol error found in the input but not yet reached by the dispatcher: its close
    // (1002, 1007, 1009) tells the peer what went wrong, whatever closes the connection first.
    if (this.protocol.pendingError !== undefined) this.protocol.answerClose();
    else this.protocol.close(code, reason);
    this.closedHere = true;
    this.releaseStream();
    closeStarted(this);
    this.flush();
  }

  /** End the `WS_MSG_MORE` stream lock and wake the senders waiting for it. */
  releaseStream(): void {
    this.streamOwner = undefined;
    const waiters = this.streamWaiters;
    if (waiters === undefined) return;
    this.streamWaiters = undefined;
    for (const wake of waiters) wake();
  }

  /**
   * The task streaming a message with `WS_MSG_MORE` ended before finishing it. A message cannot
   * be taken back or completed by anyone else (RFC 6455 section 5.4: only its continuation may
   * follow), so the connection fails with 1011 and the lock is released.
   */
  abandonStream(): void {
    this.fail(WS_STATUS_INTERNAL_ERROR, "a message streamed with WS_MSG_MORE was left unfinished by its task");
    this.releaseStream();
  }

  /**
   * A failure detected here: record it, close with `code` and queue WS_EVENT_ERROR.
   * @param code - the close code to send
   * @param message - what went wrong (the reason sent is its start)
   */
  fail(code: number, message: string): void {
    if (this.closing) return;
    this.startClose(code, shortReason(message));
    this.events.push({ kind: "error", code, message });
    this.wake();
  }

  /**
   * Record a failure reported by an error event (or an exception) for the result and accessors.
   * @param code - the close code it was closed with
   * @param message - what went wrong
   */
  recordFailure(code: number, message: string): void {
    if (this.failureCode === 0) this.failureCode = code;
    this.errorMessage = message;
  }

  /**
   * The connection is closed: the close handshake completed or the input ended. Stop the
   * timers, write what is queued and release the socket.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const received = this.protocol.closeReceived;
    // The peer's close (or a protocol error) waited for the dispatcher to reach it: the replies
    // before it are queued.
    if (this.protocol.awaitingAnswer) this.protocol.answerClose();
    this.releaseStream();
    this.closeStatus = received ? received.code : WS_STATUS_COMMS_ERROR;
    this.closeReason = received ? received.reason : "";
    if (!received && this.channel.error && !this.errorMessage) this.errorMessage = this.channel.error.message;
    stopTimer(this);
    this.flush();
    // A client leaves closing TCP to the server once the close handshake is done (RFC 6455
    // section 7.1.1), so that the server keeps the TIME_WAIT.
    this.channel.release(received !== undefined && this.protocol.role === "client");
  }

  /** What `webSocketRun` returns: 0 after an orderly close, else the negative close code. */
  get result(): number {
    if (this.failureCode !== 0) return -this.failureCode;
    const code = this.closeStatus;
    return code === WS_STATUS_OK || code === WS_STATUS_NO_STATUS ? 0 : -code;
  }

  /** The close code and reason, once closed. */
  get closed(): WebSocketClosed {
    return { code: this.closeStatus, reason: this.closeReason };
  }

  /** @internal Wake the dispatcher waiting in {@link WebSocket.waitForEvent}. */
  wake(): void {
    this.arrival.wake();
  }
}

/** The start of `message` that fits a close reason (123 bytes). */
function shortReason(message: string): string {
  const bytes = Buffer.from(message);
  return bytes.length <= 123 ? message : bytes.subarray(0, 120).toString().replace(/\uFFFD+$/, "");
}

