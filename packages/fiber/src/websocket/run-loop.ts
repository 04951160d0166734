// The run of webSocketRun as an iterator: each event to the callback in turn, then the close.
import type { Effect, Operation } from "effection";
import {
  WS_EVENT_CLOSE,
  WS_EVENT_ERROR,
  WS_EVENT_MESSAGE,
  WS_EVENT_OPEN,
  WS_EVENT_PARTIAL_MESSAGE,
  WS_STATUS_GOING_AWAY,
  WS_STATUS_INTERNAL_ERROR,
} from "@fiberws/core";
import { isHibernation, type IdleWait } from "../runtime/hibernate.js";
import { rDebug } from "../runtime/log.js";
import { DONE, Resumable, resumeIterator, type Resume } from "../runtime/resumable.js";
import { WebSocketClosedError } from "./closed-error.js";
import type { WebSocket } from "./connection.js";
import { closeAndRelease } from "./lifecycle.js";
import type { WebSocketProc } from "./run.js";
import { setInactivityTimeout } from "./timers.js";

type Step = IteratorResult<Effect<unknown>, number>;

/** What every resumption of a run that is over returns, as a finished generator does. */
const OVER = DONE as unknown as Step;

/**
 * Where a run is:
 * - `new`: not started (the first `next` starts reading);
 * - `joining`: taking the connection as its dispatcher;
 * - `dispatching`: a callback's operation runs;
 * - `waiting`: idle until the next event; `hibernating`: the same, its fiber asked to hibernate;
 * - `closing`: the closing steps run (close, WS_EVENT_CLOSE, the socket's release);
 * - `over`.
 */
type Phase = "new" | "joining" | "dispatching" | "waiting" | "hibernating" | "closing" | "over";

function isOperation(value: unknown): value is Operation<void> {
  return typeof value === "object" && value !== null && Symbol.iterator in value;
}

/**
 * A callback's error that ends only the callback: a send that failed because the peer or a
 * failure (not `webSocketSendClose`) closed the connection under it. The conversation is over,
 * which is not a handler bug: it is logged at debug level and the run goes on to its usual end.
 * @throws `error` again if it is any other error
 */
function absorbClosedUnderCallback(ws: WebSocket, error: unknown): void {
  if (!(error instanceof WebSocketClosedError) || ws.closedByApplication) throw error;
  rDebug("websocket", "%s: %s", ws.name, error.message);
}

/** Deliver one event to the callback, running the operation it returns, if any. */
function* deliver(ws: WebSocket, callback: WebSocketProc, arg: unknown, event: number): Operation<void> {
  ws.dispatching = true;
  try {
    const result = callback(ws, event, null, 0, arg);
    if (isOperation(result)) yield* result;
  } catch (error) {
    absorbClosedUnderCallback(ws, error);
  } finally {
    ws.dispatching = false;
  }
}

/**
 * The end of a run, however the loop ended: after a callback's failure, close with 1011; then
 * close (1001) unless closed already, fire WS_EVENT_CLOSE unless fired, and wait until the
 * socket is released.
 * @param failure - what the loop threw, if it threw
 * @param halted - the run was halted: an error of the close callback is not thrown
 * @returns the run's result (see `webSocketRun`)
 * @throws what the loop threw, else what the close callback threw (unless halted)
 */
function* finishRun(
  ws: WebSocket,
  callback: WebSocketProc,
  arg: unknown,
  failure: { error: unknown } | undefined,
  halted: boolean,
): Operation<number> {
  if (failure !== undefined) {
    const { error } = failure;
    ws.recordFailure(WS_STATUS_INTERNAL_ERROR, error instanceof Error ? error.message : String(error));
    ws.startClose(WS_STATUS_INTERNAL_ERROR, "internal error");
  }
  ws.dispatcher = undefined;
  if (!ws.finished) yield* closeAndRelease(ws, WS_STATUS_GOING_AWAY, "going away");
  if (!ws.closeFired) {
    ws.closeFired = true;
    try {
      yield* deliver(ws, callback, arg, WS_EVENT_CLOSE);
    } catch (error) {
      failure ??= { error };
    }
  }
  yield* ws.channel.whenClosed();
  if (failure !== undefined && !halted) throw failure.error;
  return ws.result;
}

/**
 * The run of {@link webSocketRun}. It does what this generator would, halts included:
 * ```ts
 * startReading(buf); yield* ws.becomeDispatcher();
 * try { deliver OPEN; for (;;) { deliver the next event, or wait for one; break once finished } }
 * catch (error) { record it, close with 1011 } finally { yield* finishRun(...) }
 * ```
 * An idle connection waits in this loop for its whole life: as a suspended generator it kept
 * ~300 bytes (the generator and its 26 registers), as this object ~100. The closing steps run
 * as a generator of their own, made when the loop ends.
 */
export class RunLoop extends Resumable<number> {
  private phase: Phase = "new";
  /** Bytes read with the upgrade, until the run starts. */
  private buf: Buffer | null;
  /** What the run steps through: the dispatcher's join, a callback's operation, or the closing steps. */
  private inner: Iterator<Effect<unknown>, unknown, unknown> | undefined = undefined;
  /** The wait the run is idle in. */
  private arrival: IdleWait | undefined = undefined;
  /** The run was halted: once what it steps through has unwound, it closes. */
  private halted = false;

  /**
   * @param ws - the connection
   * @param callback - receives the events
   * @param arg - passed to every callback
   * @param buf - bytes read with the upgrade, processed first, or null
   * @param timeout - inactivity timeout in ms; 0 = none
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly callback: WebSocketProc,
    private readonly arg: unknown,
    buf: Buffer | null,
    private readonly timeout: number,
  ) {
    super();
    this.buf = buf;
  }

  /** Take one resumption where the run is. */
  protected resume(how: Resume, value: unknown): Step {
    switch (this.phase) {
      case "new":
        return this.start(how, value);
      case "joining":
        return this.join(how, value);
      case "closing":
        return this.close(how, value);
      case "over":
        if (how === "throw") throw value;
        return OVER;
      default:
        return this.loop(how, value);
    }
  }

  /** Start reading, then take the connection as its dispatcher. */
  private start(how: Resume, value: unknown): Step {
    this.phase = "over";
    const buf = this.buf;
    this.buf = null; // read: not kept for the connection's life
    if (how === "throw") throw value;
    if (how === "return") return OVER;
    const ws = this.ws;
    // The peer's close is answered when the dispatcher reaches it, after the replies before it.
    ws.protocol.deferCloseEcho = true;
    ws.startReading(buf);
    setInactivityTimeout(ws, this.timeout);
    this.inner = ws.becomeDispatcher()[Symbol.iterator]();
    this.phase = "joining";
    return this.join("next", undefined);
  }

  /** Step the join; once joined, deliver WS_EVENT_OPEN and go on. A failure here only ends the run. */
  private join(how: Resume, value: unknown): Step {
    if (how === "return") this.halted = true;
    const step = this.stepInner(how, value);
    if (!step.done) return step as Step;
    if (this.halted) return this.end(OVER);
    return this.loop("next", undefined, WS_EVENT_OPEN);
  }

  /**
   * The loop: any error out of it closes the connection with 1011, as the generator's `catch`.
   * @param open - WS_EVENT_OPEN when the run has just joined: delivered first
   */
  private loop(how: Resume, value: unknown, open?: number): Step {
    let step: Step | undefined;
    try {
      step = open === undefined ? this.advance(how, value) : (this.dispatch(open, null, 0) ?? this.deliverEvents());
    } catch (error) {
      return this.finish({ error });
    }
    return step ?? this.finish(undefined);
  }

  /** Take a resumption inside the loop. @returns the next step, or undefined once the loop is over */
  private advance(how: Resume, value: unknown): Step | undefined {
    if (this.phase === "dispatching") {
      const step = this.stepCallback(how, value);
      if (step !== undefined) return step;
    } else {
      // Waiting (or hibernating): a halt ends the loop, an error comes out of it.
      if (how === "return") {
        this.halted = true;
        return undefined;
      }
      if (how === "throw") throw value;
      const arrival = this.arrival as IdleWait;
      if (this.phase === "waiting" && isHibernation(value)) {
        this.phase = "hibernating";
        return { done: false, value: arrival.request };
      }
      this.arrival = undefined;
      this.ws.dispatcher = arrival.takeCoroutine();
    }
    return this.halted ? undefined : this.deliverEvents();
  }

  /**
   * Deliver events until a callback's operation waits or none is left.
   * @returns the step to take (the callback's, or the idle wait), or undefined once the
   *   connection is finished
   */
  private deliverEvents(): Step | undefined {
    const ws = this.ws;
    for (;;) {
      const event = ws.nextEvent();
      if (event === undefined) {
        if (ws.finished) return undefined;
        const arrival = ws.beginWait();
        if (arrival === undefined) continue;
        this.arrival = arrival;
        this.phase = "waiting";
        return { done: false, value: arrival };
      }
      const step =
        event.kind === "message"
          ? this.dispatch(event.last ? WS_EVENT_MESSAGE : WS_EVENT_PARTIAL_MESSAGE, event.data, event.length)
          : this.dispatch(WS_EVENT_ERROR, null, 0);
      if (step !== undefined) return step;
    }
  }

  /**
   * Call the callback with an event.
   * @returns the first step of the operation it returned, or undefined if it is over already
   * @throws what the callback threw, unless absorbed (see absorbClosedUnderCallback)
   */
  private dispatch(event: number, buf: string | Buffer | null, len: number): Step | undefined {
    const ws = this.ws;
    ws.dispatching = true;
    try {
      const result = this.callback(ws, event, buf, len, this.arg);
      if (!isOperation(result)) {
        ws.dispatching = false;
        return undefined;
      }
      this.inner = result[Symbol.iterator]();
    } catch (error) {
      ws.dispatching = false;
      absorbClosedUnderCallback(ws, error);
      return undefined;
    }
    this.phase = "dispatching";
    return this.stepCallback("next", undefined);
  }

  /**
   * Step the callback's operation.
   * @returns its next step, or undefined once it is over
   * @throws what it threw, unless absorbed (see absorbClosedUnderCallback)
   */
  private stepCallback(how: Resume, value: unknown): Step | undefined {
    if (how === "return") this.halted = true;
    let step: IteratorResult<Effect<unknown>, unknown>;
    try {
      step = this.stepInner(how, value);
    } catch (error) {
      this.ws.dispatching = false;
      absorbClosedUnderCallback(this.ws, error);
      return undefined;
    }
    if (!step.done) return step as Step;
    this.ws.dispatching = false;
    return undefined;
  }

  /** The loop is over (`failure` if it threw): start the closing steps. */
  private finish(failure: { error: unknown } | undefined): Step {
    this.inner = finishRun(this.ws, this.callback, this.arg, failure, this.halted && failure === undefined)[Symbol.iterator]();
    this.phase = "closing";
    return this.close("next", undefined);
  }

  /** Step the closing steps. */
  private close(how: Resume, value: unknown): Step {
    const step = this.stepInner(how, value);
    return step.done ? this.end(step as Step) : (step as Step);
  }

  /**
   * Resume what the run steps through; it is let go once over (by a return or a throw). An
   * error out of the join or the closing steps ends the run; one out of a callback's operation
   * is the loop's to handle (see {@link RunLoop.stepCallback}).
   */
  private stepInner(how: Resume, value: unknown): IteratorResult<Effect<unknown>, unknown> {
    let step: IteratorResult<Effect<unknown>, unknown>;
    try {
      step = resumeIterator(this.inner as Iterator<Effect<unknown>, unknown, unknown>, how, value);
    } catch (error) {
      this.inner = undefined;
      if (this.phase !== "dispatching") this.phase = "over";
      throw error;
    }
    if (step.done) this.inner = undefined;
    return step;
  }

  /** The run is over. @returns `step` */
  private end(step: Step): Step {
    this.phase = "over";
    return step;
  }
}
