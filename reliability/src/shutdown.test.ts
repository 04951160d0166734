import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket as WsClient } from "ws";
import { RELIABILITY_CLI, startProgram, type Program } from "./programs.js";

const CLOSE_TIMEOUT = 2000;
const COUNTERS = 10;
const ECHOERS = 10;

let program: Program | undefined;
let folder: string | undefined;
afterEach(async () => {
  await program?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
  program = undefined;
  folder = undefined;
});

/** A client that keeps what it receives and how it was closed. */
interface Watched {
  socket: WsClient;
  received: string[];
  closed: Promise<number>;
}

async function watch(url: string): Promise<Watched> {
  const socket = new WsClient(url, { perMessageDeflate: false });
  const received: string[] = [];
  socket.on("message", (data: Buffer) => received.push(data.toString()));
  const closed = new Promise<number>((resolve) => socket.once("close", (code: number) => resolve(code)));
  socket.on("error", () => {});
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  return { socket, received, closed };
}

/** Resolve once `port` on 127.0.0.1 can be bound (and release it at once). */
function bindable(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

describe("graceful shutdown of the CLI under load", () => {
  it("on SIGTERM delivers every message whose send completed, then closes each client with 1001, exits 0 within the close timeout and frees the port", async () => {
    folder = mkdtempSync(join(tmpdir(), "fiberws-shutdown-"));
    const config = join(folder, "web.json5");
    writeFileSync(
      config,
      `{ web: {
        listen: 'http://127.0.0.1:0',
        timeouts: { close: ${CLOSE_TIMEOUT} },
        routes: [ { match: '/echo/', handler: 'action' }, { match: '/count/', handler: 'action' } ],
        log: { level: 'info', path: 'stdout' },
      } }`,
    );
    program = startProgram(RELIABILITY_CLI, ["--config", config]);
    const [, url = ""] = await program.waitFor(/started on (http:\/\/\S+)/);
    const port = Number(new URL(url).port);
    const base = url.replace(/^http/, "ws");
    const counters = await Promise.all(Array.from({ length: COUNTERS }, (_, id) => watch(`${base}/count/?id=${id}`)));
    const echoers = await Promise.all(Array.from({ length: ECHOERS }, () => watch(`${base}/echo/`)));
    // The echo clients keep sending numbered messages until the server closes them.
    const sent = echoers.map(() => 0);
    const pumping = setInterval(() => {
      echoers.forEach((echoer, i) => {
        for (let n = 0; n < 20 && echoer.socket.readyState === WsClient.OPEN; n++) echoer.socket.send(String(sent[i]++));
      });
    }, 2);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const signalled = Date.now();
    program.child.kill("SIGTERM");
    const codes = await Promise.all([...counters, ...echoers].map((client) => client.closed));
    clearInterval(pumping);
    const status = await program.exited;
    const took = Date.now() - signalled;

    expect(codes).toEqual(Array(COUNTERS + ECHOERS).fill(1001));
    expect(status).toBe(0);
    expect(took).toBeLessThan(CLOSE_TIMEOUT + 1000);
    // Every completed send arrived, in order: the server's count matches what each client holds.
    const completed = new Map([...program.output().matchAll(/counter (\d+) completed (\d+) sends/g)].map(([, id, n]) => [Number(id), Number(n)]));
    counters.forEach((counter, id) => {
      expect(counter.received.length).toBeGreaterThan(0);
      expect(counter.received).toEqual(counter.received.map((_, n) => String(n)));
      expect(completed.get(id)).toBe(counter.received.length);
    });
    // Echoes come back in order, with no gap.
    echoers.forEach((echoer) => {
      expect(echoer.received.length).toBeGreaterThan(0);
      expect(echoer.received).toEqual(echoer.received.map((_, n) => String(n)));
    });
    expect(program.output()).toMatch(/stopped on SIGTERM/);
    console.log(
      `shutdown: ${COUNTERS + ECHOERS} clients closed 1001, exit 0 after ${took} ms; ` +
        `${counters.reduce((sum, counter) => sum + counter.received.length, 0)} counted and ` +
        `${echoers.reduce((sum, echoer) => sum + echoer.received.length, 0)} echoed messages delivered`,
    );
    await bindable(port);
  });
});
