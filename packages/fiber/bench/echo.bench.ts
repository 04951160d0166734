// Echo round trips over loopback through webSocketRun (runWebSocketConnection), beside a plain `ws` echo server, and the
// heap each idle connection costs. The load comes from a separate process (load-client.mjs).
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { WebSocketServer } from "ws";
import { createQueue, run, spawn, suspend, type Task } from "effection";
import { WS_EVENT_MESSAGE, validateUpgradeRequest } from "@fiberws/core";
import { runWebSocketConnection, spawnFiber, webSocketSendString, type WebSocketProc } from "../src/mod.js";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

interface Reply {
  kind: string;
  ms?: number;
}

/** The load generator process and a way to ask it something. */
class LoadClient {
  private readonly child: ChildProcess;
  private opened = false;
  constructor() {
    this.child = fork(fileURLToPath(new URL("./load-client.mjs", import.meta.url)));
  }
  ask(command: object): Promise<Reply> {
    return new Promise((resolve) => {
      this.child.once("message", (reply: Reply) => resolve(reply));
      this.child.send(command);
    });
  }
  /** Open `count` connections to `port`, once (the first iteration, a warm-up, pays for it). */
  async openOnce(port: number, count: number): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    await this.ask({ kind: "open", port, count });
  }
  stop(): void {
    this.child.kill();
  }
}

const echo: WebSocketProc = function* (ws, event, buf) {
  if (event === WS_EVENT_MESSAGE) yield* webSocketSendString(ws, buf as string);
};

/** An HTTP server whose upgrades become fibers running `echo` through webSocketRun. */
function startFiberServer(): Promise<{ port: number; task: Task<void> }> {
  return new Promise((resolve) => {
    const task = run(function* () {
      const upgrades = createQueue<{ socket: Socket; head: Buffer }, never>();
      const server = http.createServer();
      server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
        const decision = validateUpgradeRequest(req);
        if (!decision.ok) return socket.destroy();
        const lines = Object.entries(decision.headers).map(([name, value]) => `${name}: ${value}\r\n`);
        socket.write(`HTTP/1.1 101 Switching Protocols\r\n${lines.join("")}\r\n`);
        upgrades.add({ socket, head });
      });
      server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as AddressInfo).port, task }));
      try {
        yield* spawn(function* () {
          for (;;) {
            const next = yield* upgrades.next();
            if (next.done) return;
            const { socket, head } = next.value;
            yield* spawnFiber("echo", () => runWebSocketConnection(socket, { role: "server" }, echo, null, head, 0));
          }
        });
        yield* suspend();
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });
  });
}

/** A plain `ws` echo server. */
function startWsServer(): Promise<{ port: number; server: WebSocketServer }> {
  return new Promise((resolve) => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    server.on("connection", (socket) => {
      socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    server.on("listening", () => resolve({ port: (server.address() as AddressInfo).port, server }));
  });
}

function heapUsed(): number {
  for (let i = 0; i < 4; i++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

let fiberServer: { port: number; task: Task<void> };
let wsServer: { port: number; server: WebSocketServer };
/** One load generator per benchmark, so one's setup never meets another's teardown. */
const clients: LoadClient[] = [];
function loadClient(): LoadClient {
  const client = new LoadClient();
  clients.push(client);
  return client;
}

beforeAll(async () => {
  fiberServer = await startFiberServer();
  wsServer = await startWsServer();
});

afterAll(async () => {
  for (const client of clients) client.stop();
  wsServer.server.close();
  await fiberServer.task.halt();
});

const ROUND_TRIPS = 500;
describe(`echo, 1 connection ping-pong (${ROUND_TRIPS} round trips of 64 bytes per iteration)`, () => {
  for (const [name, port] of [["fiberws webSocketRun", () => fiberServer.port], ["ws", () => wsServer.port]] as const) {
    const pingPong = loadClient();
    bench(name, async () => {
      await pingPong.openOnce(port(), 1);
      await pingPong.ask({ kind: "run", window: 1, rounds: ROUND_TRIPS });
    }, { time: 1500 });
  }
});

const CONNECTIONS = 100;
const WINDOW = 50;
describe(`echo, ${CONNECTIONS} connections pipelined (${WINDOW} messages of 64 bytes in flight each, 2 rounds per iteration)`, () => {
  for (const [name, port] of [["fiberws webSocketRun", () => fiberServer.port], ["ws", () => wsServer.port]] as const) {
    const pipelined = loadClient();
    bench(name, async () => {
      await pipelined.openOnce(port(), CONNECTIONS);
      await pipelined.ask({ kind: "run", window: WINDOW, rounds: 2 });
    }, { time: 2000 });
  }
});

const IDLE = 2000;
let measured = false;
describe(`heap per idle connection (${IDLE} connections; printed, not timed)`, () => {
  bench("measure", async () => {
    if (measured) return;
    measured = true;
    const idle = new LoadClient();
    const report: string[] = [];
    for (const [name, port] of [["ws", wsServer.port], ["fiberws", fiberServer.port]] as const) {
      await new Promise((resolve) => setTimeout(resolve, 300)); // let earlier connections go
      const before = heapUsed();
      await idle.ask({ kind: "open", port, count: IDLE });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = heapUsed();
      await idle.ask({ kind: "close" });
      report.push(`${name} ${((after - before) / IDLE / 1024).toFixed(1)} KiB`);
    }
    idle.stop();
    console.log(`heap per idle connection: ${report.join(", ")}`);
  }, { iterations: 1, warmupIterations: 0, time: 0 });
});
