// The run of an accepted upgrade's action: the action, then the connection's close and release.
import type { Effect, Operation } from "effection";
import { WS_STATE_OPEN, WS_STATUS_GOING_AWAY, WS_STATUS_INTERNAL_ERROR } from "@fiberws/core";
import { closeAndRelease, webSocketGetState, webSocketSendClose, type WebSocket } from "@fiberws/fiber";
import type { WebAction } from "./actions.js";
import type { ServerState } from "./server-state.js";
import type { WebSocketWeb } from "./web.js";

type Step = IteratorResult<Effect<unknown>, void>;
type Resume = "next" | "throw" | "return";

const DONE: Step = { done: true, value: undefined };

/**
 * Runs an accepted upgrade's action on its connection, then closes and releases it: as a
 * generator would with `try { yield* action(web) } catch { close with 1011; rethrow } finally
 * { close and release }`, halts included. While the action runs (an idle connection's whole
 * life), this object stands in for that generator: a suspended generator wrapping the action
 * kept ~240 bytes per idle connection (itself and its registers). The closing steps run as a
 * generator of their own, made when the action ends.
 */
export class ActionRun implements Operation<void>, Iterator<Effect<unknown>, void, unknown> {
  /** The action and its request, until the first step calls it. */
  private pending: { action: WebAction; web: WebSocketWeb } | undefined;
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
    this.pending = { action, web };
  }

  [Symbol.iterator](): Iterator<Effect<unknown>, void, unknown> {
    return this;
  }

  /** Resume with `value`. @returns the next instruction, or done once the connection is released */
  next(value?: unknown): Step {
    return this.resume("next", value);
  }

  /** Throw `error` where the run waits. @returns the next instruction; throws what the run ends with */
  throw(error?: unknown): Step {
    return this.resume("throw", error);
  }

  /** Halt: the action's cleanup, then the closing steps. @returns a cleanup step, or done */
  return(): Step {
    return this.resume("return", undefined);
  }

  private resume(how: Resume, value: unknown): Step {
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
    const closing = this.closing;
    const step = how === "next" ? closing.next(value) : how === "throw" ? throwInto(closing, value) : closing.return?.() ?? DONE;
    if (step.done) this.closing = ENDED;
    return step;
  }

  /** Step the action (calling it first, if it has not run yet). */
  private stepAction(how: Resume, value: unknown): Step {
    let action = this.action;
    if (action === undefined) {
      const pending = this.pending;
      this.pending = undefined;
      // Halted before it ran: nothing of the action to unwind.
      if (pending === undefined || how === "return") return DONE;
      if (how === "throw") throw value;
      action = this.action = pending.action(pending.web)[Symbol.iterator]();
      return action.next();
    }
    if (how === "next") return action.next(value);
    if (how === "throw") return throwInto(action, value);
    return action.return?.() ?? DONE;
  }

  /** The action ended (`failure` if it threw): start the closing steps. */
  private close(failure: { error: unknown } | undefined): Step {
    this.action = undefined;
    this.pending = undefined;
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

/** Throw `error` into `iterator` where it waits (or out, if it cannot take it). */
function throwInto(iterator: Iterator<Effect<unknown>, void, unknown>, error: unknown): Step {
  if (iterator.throw === undefined) throw error;
  return iterator.throw(error);
}

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
