import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addExampleActions } from "../actions.js";
import { webAddAction, type Web } from "@fiberws/server";
import { openClient, startExampleServer, type RunningServer } from "../example-server.test-helpers.js";
import { TELEMETRY_PERIOD, telemetryAction, type TelemetryReading } from "./telemetry.js";

describe("/telemetry/: a JSON reading every second", () => {
  let server: RunningServer;
  let running = 0;
  beforeAll(async () => {
    // The example actions, plus the telemetry action under a second prefix that counts live runs.
    server = await startExampleServer(
      (webServer) => {
        addExampleActions(webServer);
        webAddAction(webServer, "/counted-telemetry/", function* (request: Web) {
          running++;
          try {
            yield* telemetryAction(request);
          } finally {
            running--;
          }
        });
      },
      (config) => ({ ...config, routes: [{ match: "/counted-telemetry/", handler: "action" }, ...config.routes] }),
    );
  });
  afterAll(async () => {
    await server.stop();
  });

  it("sends {type:'telemetry', temperature, humidity, time} once a second", async () => {
    const client = await openClient(server.socketUrl("/telemetry/"));
    const first = (await client.nextJson()) as TelemetryReading;
    const second = (await client.nextJson()) as TelemetryReading;
    for (const reading of [first, second]) {
      expect(reading).toEqual({
        type: "telemetry",
        temperature: expect.any(Number),
        humidity: expect.any(Number),
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(reading.temperature).toBeGreaterThan(10);
      expect(reading.humidity).toBeGreaterThan(20);
    }
    const gap = Date.parse(second.time) - Date.parse(first.time);
    expect(gap).toBeGreaterThanOrEqual(TELEMETRY_PERIOD - 50);
    expect(gap).toBeLessThan(TELEMETRY_PERIOD + 500);
    client.socket.close(1000);
    expect((await client.closed).code).toBe(1000);
  });

  it("stops sending, and ends the connection's task, when the client leaves", async () => {
    const client = await openClient(server.socketUrl("/counted-telemetry/"));
    await client.nextJson();
    expect(running).toBe(1);
    client.socket.close(1000);
    await client.closed;
    await expect.poll(() => running, { timeout: 2000 }).toBe(0);
  });
});
