// The run of an accepted upgrade's action: the action, then the connection's close and release.
import type { Effect, Operation } from "effection";
import { WS_STATE_OPEN, WS_STATUS_GOING_AWAY, WS_STATUS_INTERNAL_ERROR } from "@fiberws/core";
import {
  closeAndRelease,
  DONE,
  Resumable,
  resumeIterator,
  webSocketGetState,
  webSocketSendClose,
  type Resume,
  type WebSocket,
} from "@fiberws/fiber";
import type { WebAction } from "./actions.js";
import type { ServerState } from "./server-state.js";
import type { WebSocketWeb } from "./web.js";

type Step = IteratorResult<Effect<unknown>, void>;

/**
 * Runs an accepted upgrade's action on its connection, then closes and releases it: as a
 * generator would with `try { yield* action(web) } catch { close with 1011; rethrow } finally
 * { close and release }`, halts included. While the action runs (an idle connection's whole
 * life), this object stands in for that generator: a suspended generator wrapping the action
 * kept ~240 bytes per idle connection (itself and its registers). The closing steps run as a
 * generator of their own, made when the action ends.
 */
export class ActionRun extends Resumable<void> {
  /** The route's action, until the first step calls it. */
  private start: WebAction | undefined;
  /** The request as the action sees it, until the first step passes it to the action. */
  private web: WebSocketWeb | undefined;
  /** The action's run, while it runs. */
  private action: Iterator<Effect<unknown>, void, unknown> | undefined = undefined;
  /** The closing steps, once the action ended. */
  private closing: Iterator<Effect<unknown>, void, unknown> | undefined = undefined;

  /**
   * @param state the server's shared state (the connection is in its `webSockets`).
   * @param webSocket the connection, which `web` holds.
   * @param action the route's action.
   * @param web the request as the action sees it.
   */
  constructor(
    private readonly state: ServerState,
    private readonly webSocket: WebSocket,
    action: WebAction,
    web: WebSocketWeb,
  ) {
    super();
    this.start = action;
    this.web = web;
  }

  /** Step the action, then the closing steps; a halt runs the action's cleanup, then them. */
  protected resume(how: Resume, value: unknown): Step {
    if (this.closing === undefined) {
      let step: Step;
      try {
        step = this.stepAction(how, value);
      } catch (error) {
        return this.close({ error });
      }
      if (!step.done) return step;
      return this.close(undefined);
    }
    const step = resumeIterator(this.closing, how, value);
    if (step.done) this.closing = ENDED;
    return step;
  }

  /** Step the action (calling it first, if it has not run yet). */
  private stepAction(how: Resume, value: unknown): Step {
    let action = this.action;
    if (action === undefined) {
      const start = this.start;
      const web = this.web;
      this.start = undefined;
      this.web = undefined;
      // Halted before it ran: nothing of the action to unwind.
      if (start === undefined || web === undefined || how === "return") return DONE;
      if (how === "throw") throw value;
      // Called as a plain function: a method call would make this object the generator's
      // receiver, kept by its frame for the connection's life.
      action = this.action = start(web)[Symbol.iterator]();
      return action.next();
    }
    return resumeIterator(action, how, value);
  }

  /** The action ended (`failure` if it threw): start the closing steps. */
  private close(failure: { error: unknown } | undefined): Step {
    this.action = undefined;
    this.start = undefined;
    this.web = undefined;
    const closing = (this.closing = closeAfterAction(this.state, this.webSocket, failure)[Symbol.iterator]());
    const step = closing.next();
    if (step.done) this.closing = ENDED;
    return step;
  }
}

/** The closing steps once over: every resumption finds the run done. */
const ENDED: Iterator<Effect<unknown>, void, unknown> = {
  next: () => DONE,
  throw: (error: unknown) => {
    throw error;
  },
  return: () => DONE,
};

/**
 * After the action: close with 1011 if it threw while the connection was open, then take the
 * connection out of the server's list and close and release it; rethrow what the action threw.
 */
function* closeAfterAction(state: ServerState, webSocket: WebSocket, failure: { error: unknown } | undefined): Operation<void> {
  try {
    if (failure !== undefined && webSocketGetState(webSocket) === WS_STATE_OPEN) {
      yield* webSocketSendClose(webSocket, WS_STATUS_INTERNAL_ERROR, "internal server error");
    }
  } finally {
    state.webSockets.delete(webSocket);
    yield* closeAndRelease(webSocket, WS_STATUS_GOING_AWAY, "going away");
  }
  if (failure !== undefined) throw failure.error;
}
