import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { encodeClientFrame, OPCODE } from "./frames.js";
import { startLiveServer, type LiveServer } from "./live-server.js";
import { handleCounts, handlesBeyond, settledHeap } from "./process-health.js";
import { RawClient } from "./raw-client.js";

// SOAK=full runs the counts; the default keeps the suite quick.
const FULL = process.env["SOAK"] === "full";
const CYCLES = FULL ? 20_000 : 2_000;
const MESSAGES = FULL ? 1_000_000 : 100_000;
const CONNECTIONS = 100;
/** Heap growth tolerated after a phase: far below ~10 KB per leaked connection task. */
const HEAP_SLACK = 4 * 1024 * 1024;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let server: LiveServer;
beforeAll(async () => {
  server = await startLiveServer({ timeouts: { close: 1000 } });
});
afterAll(() => server.stop());

/** One cycle: upgrade with a message, take its echo, close 1000, wait for the server's close. */
async function cycle(i: number): Promise<void> {
  const text = `cycle ${i}`;
  const client = await RawClient.upgrade(server.port, "/echo/", encodeClientFrame({ opcode: OPCODE.TEXT, payload: Buffer.from(text) }));
  try {
    expect(await client.nextMessage()).toEqual({ kind: "text", data: text });
    client.sendClose(1000);
    const { close, malformed } = await client.closed();
    expect(malformed).toBeUndefined();
    expect(close?.code).toBe(1000);
  } finally {
    client.destroy();
  }
}

/** Run `total` jobs, `parallel` at a time. */
async function inParallel(total: number, parallel: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await job(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Wait until the server holds no connection; returns how long that took. */
async function drained(): Promise<void> {
  for (let waited = 0; server.service.connections() > 0 && waited < 5000; waited += 20) await pause(20);
  expect(server.service.connections()).toBe(0);
}

/** Send `count` numbered messages on one connection, `window` in flight, and check every echo in order. */
async function stream(id: number, count: number, window: number): Promise<void> {
  const client = new WsClient(server.socketUrl("/echo/"), { perMessageDeflate: false });
  await new Promise((resolve, reject) => client.once("open", resolve).once("error", reject));
  let sent = 0;
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const send = (): void => {
      while (sent < count && sent - received < window) client.send(`${id}:${sent++}`);
    };
    client.on("message", (data: Buffer) => {
      const expected = `${id}:${received}`;
      if (data.toString() !== expected) reject(new Error(`connection ${id}: got ${data.toString()}, expected ${expected}`));
      received++;
      if (received === count) resolve();
      else send();
    });
    client.once("close", (code: number) => reject(new Error(`connection ${id} closed with ${code} after ${received} echoes`)));
    send();
  });
  client.removeAllListeners("close");
  await new Promise((resolve) => {
    client.once("close", resolve);
    client.close(1000);
  });
}

describe(`soak${FULL ? " (full)" : ""}`, () => {
  it(`runs ${CYCLES} connect/echo/close cycles with no error, then heap and handles return to baseline`, async () => {
    await inParallel(50, 10, cycle);
    await drained();
    const heap = settledHeap();
    const handles = handleCounts();
    const started = Date.now();
    await inParallel(CYCLES, 20, cycle);
    const seconds = (Date.now() - started) / 1000;
    await drained();
    const grown = settledHeap() - heap;
    console.log(`soak: ${CYCLES} cycles in ${seconds.toFixed(1)} s (${Math.round(CYCLES / seconds)}/s); heap ${(grown / 1e6).toFixed(2)} MB from baseline`);
    expect(grown).toBeLessThan(HEAP_SLACK);
    for (let waited = 0; Object.keys(handlesBeyond(handles)).length > 0 && waited < 2000; waited += 20) await pause(20);
    expect(handlesBeyond(handles)).toEqual({});
  }, 600_000);

  it(`echoes ${MESSAGES} messages over ${CONNECTIONS} connections, none lost or reordered, then heap and handles return to baseline`, async () => {
    await drained();
    const heap = settledHeap();
    const handles = handleCounts();
    const started = Date.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, (_, id) => stream(id, MESSAGES / CONNECTIONS, 50)));
    const seconds = (Date.now() - started) / 1000;
    await drained();
    const grown = settledHeap() - heap;
    console.log(`soak: ${MESSAGES} messages over ${CONNECTIONS} connections in ${seconds.toFixed(1)} s (${Math.round(MESSAGES / seconds)}/s); heap ${(grown / 1e6).toFixed(2)} MB from baseline`);
    expect(grown).toBeLessThan(HEAP_SLACK);
    for (let waited = 0; Object.keys(handlesBeyond(handles)).length > 0 && waited < 2000; waited += 20) await pause(20);
    expect(handlesBeyond(handles)).toEqual({});
  }, 600_000);
});
