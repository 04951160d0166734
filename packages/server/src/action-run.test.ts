import { describe, expect, it } from "vitest";
import { sleep, spawn, suspend, withResolvers, type Operation } from "effection";
import { WS_STATE_CLOSED } from "@fiberws/core";
import { messages, webSocketGetState, type WebSocket, type WebSocketClosed } from "@fiberws/fiber";
import { scopedTest, useLoopbackPair } from "@fiberws/fiber/testing";
import { ActionRun } from "./action-run.js";
import type { WebAction } from "./actions.js";
import type { ServerState } from "./server-state.js";
import type { WebSocketWeb } from "./web.js";

/** A server state holding `webSocket` (ActionRun uses its `webSockets` alone). */
function stateWith(webSocket: WebSocket): ServerState {
  return { webSockets: new Set([webSocket]) } as unknown as ServerState;
}

/** Run `action` on the server end of a loopback pair; the client end reads until the close. */
function* runOnPair(action: WebAction) {
  const { server, client } = yield* useLoopbackPair();
  const state = stateWith(server);
  const run = new ActionRun(state, server, action, { webSocket: server } as WebSocketWeb);
  const closed = yield* spawn(function* (): Operation<WebSocketClosed> {
    const incoming = yield* messages(client);
    for (let next = yield* incoming.next(); ; next = yield* incoming.next()) if (next.done) return next.value;
  });
  return { server, state, run, closed };
}

/** What `run` threw (the test fails if it returned). */
function* failureOf(run: Operation<void>): Operation<Error> {
  try {
    yield* run;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the run returned instead of throwing");
}

describe("ActionRun", () => {
  it("closes with 1001 and releases the connection when the action returns", scopedTest(function* () {
    const { server, state, run, closed } = yield* runOnPair(function* () {
      yield* sleep(1);
    });
    yield* run;
    expect(yield* closed).toEqual({ code: 1001, reason: "going away" });
    expect(webSocketGetState(server)).toBe(WS_STATE_CLOSED);
    expect(state.webSockets.size).toBe(0);
  }));

  it("closes with 1011 and rethrows when the action throws", scopedTest(function* () {
    const { state, run, closed } = yield* runOnPair(function* () {
      yield* sleep(1);
      throw new Error("the action broke");
    });
    expect((yield* failureOf(run)).message).toBe("the action broke");
    expect(yield* closed).toEqual({ code: 1011, reason: "internal server error" });
    expect(state.webSockets.size).toBe(0);
  }));

  it("unwinds the action, then closes and releases the connection, when halted", scopedTest(function* () {
    const unwound: string[] = [];
    const waiting = withResolvers<void>();
    const { state, run, closed } = yield* runOnPair(function* () {
      try {
        waiting.resolve();
        yield* suspend();
      } finally {
        yield* sleep(1); // cleanup that waits
        unwound.push("the action's finally");
      }
    });
    const task = yield* spawn(() => run);
    yield* waiting.operation;
    yield* task.halt();
    expect(unwound).toEqual(["the action's finally"]);
    expect(yield* closed).toEqual({ code: 1001, reason: "going away" });
    expect(state.webSockets.size).toBe(0);
  }));

  it("calls a plain-function action inside the run, so that what it throws closes with 1011", scopedTest(function* () {
    const { state, run, closed } = yield* runOnPair(() => {
      throw new Error("thrown before any operation");
    });
    expect((yield* failureOf(run)).message).toBe("thrown before any operation");
    expect(yield* closed).toEqual({ code: 1011, reason: "internal server error" });
    expect(state.webSockets.size).toBe(0);
  }));
});
