// The seed's JSON example at /telemetry/: a reading every second, sent until the client leaves.
import { rError, webSocketGetErrorMessage, webSocketRun, type WebSocket, type WebSocketProc } from "@fiberws/fiber";
import { WS_EVENT_ERROR } from "@fiberws/core";
import type { Web } from "@fiberws/server";
import { sleep, spawn, type Operation } from "effection";
import { sendJsonWhileOpen } from "./send-while-open.js";
import { requireWebSocket } from "./upgrade.js";

/** How often a reading is sent, in ms. */
export const TELEMETRY_PERIOD = 1000;

/** One reading, as sent: `{type:'telemetry', temperature, humidity, time}`. */
export interface TelemetryReading {
  type: "telemetry";
  /** Degrees Celsius, one decimal. */
  temperature: number;
  /** Relative humidity in percent, one decimal. */
  humidity: number;
  /** When it was read, as an ISO 8601 timestamp. */
  time: string;
}

/** A pretend sensor: values drift a little from one reading to the next, within bounds. */
function createSensor(): () => TelemetryReading {
  let temperature = 23;
  let humidity = 65;
  const drift = (value: number, step: number, low: number, high: number): number =>
    Math.round(Math.min(high, Math.max(low, value + (Math.random() - 0.5) * step)) * 10) / 10;
  return () => {
    temperature = drift(temperature, 0.6, 18, 28);
    humidity = drift(humidity, 2, 40, 80);
    return { type: "telemetry", temperature, humidity, time: new Date().toISOString() };
  };
}

/** Send a reading every {@link TELEMETRY_PERIOD} while the connection is open. */
function* sendReadings(ws: WebSocket): Operation<void> {
  const read = createSensor();
  while (yield* sendJsonWhileOpen(ws, read())) {
    yield* sleep(TELEMETRY_PERIOD);
  }
}

/**
 * The telemetry client only listens: the callback has nothing to answer, it logs errors.
 * @param ws - the connection
 * @param event - a `WS_EVENT_*` code
 */
export const onTelemetry: WebSocketProc = (ws, event) => {
  if (event === WS_EVENT_ERROR) rError("telemetry", "Error: %s", webSocketGetErrorMessage(ws));
};

/**
 * The action for `/telemetry/`: the readings are a loop spawned in the connection's scope, so
 * when the client leaves and `webSocketRun` returns, the action ends and takes the loop with it.
 * @param web - the request; it must be a WebSocket upgrade
 * @throws HttpError 426 for a plain HTTP request
 * @example
 * ```ts
 * webAddAction(server, "/telemetry/", telemetryAction);
 * ```
 */
export function* telemetryAction(web: Web): Operation<void> {
  const { webSocket, buf, timeout } = requireWebSocket(web);
  yield* spawn(() => sendReadings(webSocket));
  yield* webSocketRun(webSocket, onTelemetry, null, buf, timeout);
}
