// A connection's one timer: inactivity timeout, keep-alive ping/pong and the close wait.
import { WS_STATUS_GOING_AWAY, WS_STATUS_INTERNAL_ERROR } from "@fiberws/core";
import { WebSocketClosedError } from "./closed-error.js";
import type { WebSocket } from "./connection.js";

/**
 * Set the inactivity timeout: close with 1001 after this many ms without input (0 = none).
 * @param ws - the connection
 * @param ms - the timeout in ms
 */
export function setInactivityTimeout(ws: WebSocket, ms: number): void {
  ws.inactivity = ms > 0 ? ms : 0;
  ws.lastReceived = ws.clock.now();
  armTimer(ws);
}

/**
 * Re-plan the keep-alive after the ping period changed.
 * @param ws - the connection
 */
export function keepAliveChanged(ws: WebSocket): void {
  ws.pingSentAt = undefined;
  armTimer(ws);
}

/**
 * Our close frame went out: wait (up to the close timeout) for the peer's.
 * @param ws - the connection
 */
export function closeStarted(ws: WebSocket): void {
  ws.closeSentAt = ws.clock.now();
  armTimer(ws);
}

/**
 * Keep one timer, due no later than the next deadline (an early one re-arms itself).
 * @param ws - the connection
 */
export function armTimer(ws: WebSocket): void {
  const at = nextDeadline(ws);
  if (at === undefined) {
    stopTimer(ws);
    return;
  }
  if (ws.timer !== undefined) {
    if (ws.timerAt <= at) return;
    ws.clock.clearTimer(ws.timer);
  }
  ws.timerAt = at;
  ws.timer = ws.clock.setTimer(onTimer, Math.max(0, at - ws.clock.now()), ws);
}

/**
 * Cancel the connection's timer, if one is pending.
 * @param ws - the connection
 */
export function stopTimer(ws: WebSocket): void {
  if (ws.timer === undefined) return;
  ws.clock.clearTimer(ws.timer);
  ws.timer = undefined;
}

/** A connection timer is due: close the wait, time out, or keep alive. */
function onTimer(ws: WebSocket): void {
  ws.timer = undefined;
  const now = ws.clock.now();
  if (ws.closeSentAt !== undefined) {
    if (ws.closeTimeout > 0 && now - ws.closeSentAt >= ws.closeTimeout) {
      ws.channel.socket.destroy();
      return;
    }
  } else if (ws.inactivity > 0 && now - ws.lastReceived >= ws.inactivity) {
    timedOut(ws);
  } else if (ws.pingPeriod > 0 && ws.protocol.closeReceived === undefined && !ws.inputPaused) {
    if (ws.pingSentAt !== undefined) {
      if (now - ws.pingSentAt >= keepAliveTimeout(ws)) {
        ws.fail(WS_STATUS_INTERNAL_ERROR, `keep-alive: no answer within ${keepAliveTimeout(ws)} ms of a ping`);
      }
    } else if (now - ws.lastReceived >= ws.pingPeriod) {
      ws.protocol.ping();
      ws.pingSentAt = now;
      ws.flush();
    }
  }
  armTimer(ws);
}

/**
 * The inactivity timeout expired. An idle connection closes with 1001; a connection whose
 * callback is still running (so nothing it waits for came in time) closes with 1011 and the
 * callback is interrupted with a WebSocketClosedError where it waits.
 */
function timedOut(ws: WebSocket): void {
  if (!ws.dispatching || ws.dispatcher === undefined) {
    ws.fail(WS_STATUS_GOING_AWAY, `timed out after ${ws.inactivity} ms without input`);
    return;
  }
  const message = `handler did not finish within the inactivity timeout of ${ws.inactivity} ms`;
  ws.fail(WS_STATUS_INTERNAL_ERROR, message);
  ws.interruptCallback(new WebSocketClosedError(`${message}: the connection is closing (1011)`));
}

/** Ms to wait for input after a keep-alive ping: the ping timeout, else the ping period. */
function keepAliveTimeout(ws: WebSocket): number {
  return ws.pingTimeout > 0 ? ws.pingTimeout : ws.pingPeriod;
}

/** The next moment a timer must look at this connection, if any. */
function nextDeadline(ws: WebSocket): number | undefined {
  if (ws.finished || !ws.reading) return undefined;
  // After our close, only the close timeout counts (none: wait for the peer as long as it takes).
  if (ws.closeSentAt !== undefined) return ws.closeTimeout > 0 ? ws.closeSentAt + ws.closeTimeout : undefined;
  let next: number | undefined;
  if (ws.inactivity > 0) next = ws.lastReceived + ws.inactivity;
  // Once the peer's close came, no keep-alive: the dispatcher is about to answer it. Nor while
  // reading is paused: the pong would wait unread behind the input.
  if (ws.pingPeriod > 0 && ws.protocol.closeReceived === undefined && !ws.inputPaused) {
    const ping = ws.pingSentAt !== undefined ? ws.pingSentAt + keepAliveTimeout(ws) : ws.lastReceived + ws.pingPeriod;
    if (next === undefined || ping < next) next = ping;
  }
  return next;
}
