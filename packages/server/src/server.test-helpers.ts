// Test kit for the server: configs, a served server with its stop, and raw loopback clients.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { afterEach } from "vitest";
import { run, suspend, withResolvers, type Task } from "effection";
import { setLogDestination } from "@fiberws/fiber";
import { defaultConfig, type WebConfig } from "./config/mod.js";
import type { WebAction } from "./actions.js";
import { createWebServer, serve, webAddAction, type WebService } from "./server.js";

/** Parts of a config to replace; nested sections merge with the defaults. */
export interface ConfigPatch {
  webSockets?: Partial<WebConfig["webSockets"]>;
  limits?: Partial<WebConfig["limits"]>;
  timeouts?: Partial<WebConfig["timeouts"]>;
  routes?: WebConfig["routes"];
  documents?: string;
}

/** The default config on 127.0.0.1 port 0, with `patch` applied. */
export function testConfig(patch: ConfigPatch = {}): WebConfig {
  const base = defaultConfig(tmpdir());
  return {
    ...base,
    listen: ["http://127.0.0.1:0"],
    documents: patch.documents ?? base.documents,
    webSockets: { ...base.webSockets, ...patch.webSockets },
    limits: { ...base.limits, ...patch.limits },
    timeouts: { ...base.timeouts, ...patch.timeouts },
    routes: patch.routes ?? base.routes,
  };
}

/** A server being served in its own effection task. */
export interface Served {
  service: WebService;
  port: number;
  url: string;
  /** Halt the serving task (graceful shutdown) and wait until it is over. */
  stop(): Promise<void>;
}

/** Serve `config` with `actions` registered, in a task of its own; resolves once bound. */
export async function startServer(config: WebConfig, actions: Record<string, WebAction> = {}): Promise<Served> {
  const server = createWebServer(config);
  for (const [prefix, action] of Object.entries(actions)) webAddAction(server, prefix, action);
  const ready = withResolvers<WebService>();
  const task: Task<void> = run(function* () {
    ready.resolve(yield* serve(server));
    yield* suspend();
  });
  const service = await Promise.race([run(() => ready.operation), task.then(() => undefined)]);
  if (service === undefined) throw new Error("the server task ended before it was bound");
  const first = service.addresses[0];
  if (first === undefined) throw new Error("the server has no listener");
  return { service, port: first.port, url: first.url, stop: () => task.halt() };
}

/** A raw exchange's outcome: the status, head and body as received, and when the socket closed. */
export interface RawResponse {
  status: number;
  head: string;
  body: string;
  /** Milliseconds from connecting to the socket closing. */
  elapsed: number;
}

/**
 * Connect to 127.0.0.1:`port`, let `write` send what it likes, and collect everything until the
 * server closes the connection (or `timeout` ms pass, which fails).
 */
export function rawExchange(port: number, write: (socket: Socket) => void, timeout = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeout} ms; got ${Buffer.concat(chunks).toString("latin1")}`));
    }, timeout);
    socket.on("connect", () => write(socket));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        head,
        body: split < 0 ? "" : text.slice(split + 4),
        elapsed: Date.now() - started,
      });
    });
  });
}

/** Send `text` as is and collect the answer (see {@link rawExchange}). */
export function rawRequest(port: number, text: string): Promise<RawResponse> {
  return rawExchange(port, (socket) => socket.write(text));
}

/** An HTTP response as a test reads it. */
export interface SimpleResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Make one HTTP request on a fresh connection (no agent) and read the whole response. */
export function fetchText(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A WebSocket upgrade request's text for `path`, with extra header lines. */
export function upgradeRequest(path: string, extra: Record<string, string> = {}, method = "GET"): string {
  const fields: Record<string, string> = {
    Host: "127.0.0.1",
    Connection: "Upgrade",
    Upgrade: "websocket",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...extra,
  };
  const lines = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join("")}\r\n`;
}

/** Resolve after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Collect log lines instead of printing them, until `restore` puts stdout back. */
export function captureLog(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  setLogDestination((line) => lines.push(line));
  return { lines, restore: () => setLogDestination("stdout") };
}

/**
 * A `startServer` for one test file: every server it starts is stopped after each test.
 * Call it once at the top level of the file.
 */
export function serverStarter(): (...args: Parameters<typeof startServer>) => Promise<Served> {
  const running: Served[] = [];
  afterEach(async () => {
    for (const served of running.splice(0)) await served.stop();
  });
  return async (...args) => {
    const served = await startServer(...args);
    running.push(served);
    return served;
  };
}
