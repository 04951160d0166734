import { sleep, suspend, until, type Operation } from "effection";
import type { Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WS_EVENT_CLOSE, WS_EVENT_ERROR, WS_EVENT_MESSAGE } from "@fiberws/core";
import { spawnFiber, type Fiber, type FiberRecord } from "../runtime/fiber.js";
import { HIBERNATION_SWEEP_MS, MAX_IDLE_CARRIERS } from "../runtime/home.js";
import { rGetFiberStats } from "../runtime/limits.js";
import { collectGarbage } from "../testing/gc.test-helpers.js";
import { scopedTest } from "../testing/mod.js";
import { WebSocketClosedError } from "./closed-error.js";
import { runWebSocketConnection, type WebSocketProc } from "./run.js";
import { webSocketSendString } from "./send.js";
import { useUpgradeServer, useWsPeer } from "./peer.test-helpers.js";

beforeEach(() => {
  // Only the hibernation sweeps run on fake time; sockets and connection timers stay real.
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Each upgrade runs in a fiber, as the server runs it; the fibers are collected in `fibers`. */
function serveInFibers(callback: WebSocketProc, fibers: Fiber[], timeout = 0) {
  return function* (socket: Socket, head: Buffer): Operation<void> {
    fibers.push(
      yield* spawnFiber("connection", () =>
        runWebSocketConnection(socket, { role: "server", hibernateAfter: 10 }, callback, null, head, timeout),
      ),
    );
    yield* suspend();
  };
}

/** Run the sweeps until every fiber in `fibers` hibernates (or fail after a bounded number). */
function* untilHibernating(fibers: readonly Fiber[]): Operation<void> {
  for (let sweep = 0; sweep < 20 && !fibers.every((fiber) => fiber.hibernating); sweep++) {
    vi.advanceTimersByTime(HIBERNATION_SWEEP_MS);
    yield* sleep(5);
  }
  expect(fibers.map((fiber) => fiber.hibernating)).toEqual(fibers.map(() => true));
}

const echo: WebSocketProc = function* (ws, event, buf) {
  if (event === WS_EVENT_MESSAGE && typeof buf === "string") yield* webSocketSendString(ws, buf);
};

/** The echo, recording every event it is given in `events`. */
function recordingEcho(events: number[]): WebSocketProc {
  return (ws, event, buf, len, arg) => {
    events.push(event);
    return echo(ws, event, buf, len, arg);
  };
}

describe("a connection's fiber hibernating while idle", () => {
  it("holds no task while idle and answers each message when it comes, in order", scopedTest(function* () {
    const fibers: Fiber[] = [];
    const url = yield* useUpgradeServer(serveInFibers(echo, fibers));
    const peers = [yield* useWsPeer(url), yield* useWsPeer(url)];
    yield* untilHibernating(fibers);
    expect(rGetFiberStats().hibernating).toBe(2);
    for (const [index, peer] of peers.entries()) {
      peer.socket.send(`first ${index}`);
      peer.socket.send(`second ${index}`);
      expect(yield* peer.next()).toBe(`first ${index}`);
      expect(yield* peer.next()).toBe(`second ${index}`);
    }
    yield* untilHibernating(fibers);
    peers[0]?.socket.send("again");
    expect(yield* peers[0]!.next()).toBe("again"); // two peers were opened above
  }));

  it("lets go of the carriers its fibers ran on: hibernating fibers keep none of them alive", scopedTest(function* () {
    // Enough connections for V8 to optimize the frames: an optimized generator frame kept the
    // coroutine its chain was last resumed with (all 400 carriers, before the fix).
    const PEERS = 400;
    const fibers: Fiber[] = [];
    const url = yield* useUpgradeServer(serveInFibers(echo, fibers));
    const peers = [];
    for (let i = 0; i < PEERS; i++) peers.push(yield* useWsPeer(url));
    // Every fiber waits on a carrier of its own, some after an echo (a wake-up).
    for (const [index, peer] of peers.entries()) {
      if (index % 2 === 0) continue;
      peer.socket.send(`hello ${index}`);
      expect(yield* peer.next()).toBe(`hello ${index}`);
    }
    const carriers = fibers.map((fiber) => new WeakRef((fiber as FiberRecord).scope as object));
    expect(new Set(carriers.map((ref) => ref.deref())).size).toBe(peers.length);
    yield* untilHibernating(fibers);
    collectGarbage();
    // The idle pool keeps a few carriers for the next wake-ups; every other one is gone.
    expect(carriers.filter((ref) => ref.deref() !== undefined).length).toBeLessThanOrEqual(MAX_IDLE_CARRIERS);
  }));

  it("closes with 1001 and fires WS_EVENT_CLOSE when its hibernating fiber is halted", scopedTest(function* () {
    const fibers: Fiber[] = [];
    const events: number[] = [];
    const url = yield* useUpgradeServer(serveInFibers(recordingEcho(events), fibers));
    const peer = yield* useWsPeer(url);
    yield* untilHibernating(fibers);
    const halted = fibers[0]!.halt(); // one peer, one fiber
    expect(yield* peer.closed()).toEqual({ code: 1001, reason: "going away" });
    yield* until(halted);
    expect(events.at(-1)).toBe(WS_EVENT_CLOSE);
    expect(fibers[0]?.state).toBe("halted");
  }));

  it("times out while hibernating: closes with 1001 after the inactivity timeout and fires WS_EVENT_ERROR, then WS_EVENT_CLOSE", scopedTest(function* () {
    const fibers: Fiber[] = [];
    const events: number[] = [];
    const url = yield* useUpgradeServer(serveInFibers(recordingEcho(events), fibers, 400));
    const peer = yield* useWsPeer(url);
    yield* untilHibernating(fibers);
    expect((yield* peer.closed()).code).toBe(1001);
    yield* sleep(20);
    expect(events.slice(-2)).toEqual([WS_EVENT_ERROR, WS_EVENT_CLOSE]);
    expect(fibers[0]?.state).toBe("done");
  }));

  it("still stops a callback hung past the inactivity timeout after hibernating, with 1011", scopedTest(function* () {
    const fibers: Fiber[] = [];
    const seen: unknown[] = [];
    const url = yield* useUpgradeServer(serveInFibers(function* (_ws, event) {
      if (event === WS_EVENT_ERROR) seen.push("error event");
      if (event !== WS_EVENT_MESSAGE) return;
      try {
        yield* suspend();
      } catch (error) {
        seen.push(error);
      }
    }, fibers, 150));
    const peer = yield* useWsPeer(url);
    yield* untilHibernating(fibers);
    peer.socket.send("hang");
    expect((yield* peer.closed()).code).toBe(1011);
    yield* sleep(20);
    expect(seen[0]).toBeInstanceOf(WebSocketClosedError);
    expect(seen[1]).toBe("error event");
  }));
});
