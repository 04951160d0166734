// Test helpers: the example server in-process on a free port, a `ws` client that waits, and child programs.
import { spawn as spawnProcess, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { applyOverrides, createWebServer, loadConfig, serve, type WebConfig, type WebServer } from "@fiberws/server";
import { setLogLevel } from "@fiberws/fiber";
import { run, suspend, type Task } from "effection";
import WebSocket from "ws";
import { addExampleActions } from "./actions.js";

/** The example configuration, as `pnpm start` loads it. */
export const exampleConfigFile = fileURLToPath(new URL("../web.json5", import.meta.url));

/** The built programs, run as a newcomer runs them. */
export const distFolder = fileURLToPath(new URL("../dist/", import.meta.url));

/** A server running in this process until `stop` is called. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The `ws://` URL of a path on the server. */
  socketUrl(path: string): string;
  /** Shut the server down (closing every WebSocket with 1001) and wait until it has. */
  stop(): Promise<void>;
}

/**
 * Serve the example configuration on a free loopback port, logging errors only.
 * @param register - registers the actions; the example actions by default
 * @param change - adjusts the loaded configuration
 * @returns the running server
 */
export async function startExampleServer(
  register: (server: WebServer) => void = addExampleActions,
  change: (config: WebConfig) => WebConfig = (config) => config,
): Promise<RunningServer> {
  const config = change(applyOverrides(loadConfig(exampleConfigFile), { listen: "http://127.0.0.1:0", logLevel: "error" }));
  setLogLevel(config.log.level);
  const server = createWebServer(config);
  register(server);
  let announce: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (announce = resolve));
  const task: Task<void> = run(function* () {
    const service = yield* serve(server);
    announce(service.urls[0] ?? "");
    yield* suspend();
  });
  const url = await Promise.race([ready, task.then(() => "")]);
  if (!url) throw new Error("the example server stopped before it listened");
  return {
    url,
    socketUrl: (path) => `${url.replace(/^http/, "ws")}${path}`,
    stop: () => task.halt(),
  };
}

/** A `ws` client whose incoming messages and close can be awaited in order. */
export interface TestClient {
  /** The `ws` socket, to send on and close. */
  readonly socket: WebSocket;
  /** The next message not yet taken (text as a string, binary as a Buffer). */
  next(): Promise<string | Buffer>;
  /** The next message, parsed as JSON. */
  nextJson(): Promise<unknown>;
  /** The close code and reason, once the connection closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/**
 * Open a connection with `ws` and wait until it is open.
 * @param url - the ws:// URL
 * @param protocols - subprotocols to offer
 * @returns the client
 * @throws Error if the connection fails or is refused
 */
export async function openClient(url: string, protocols: string[] = []): Promise<TestClient> {
  const socket = new WebSocket(url, protocols);
  const queued: (string | Buffer)[] = [];
  const waiting: ((message: string | Buffer) => void)[] = [];
  socket.on("message", (data: Buffer, isBinary: boolean) => {
    const message = isBinary ? data : data.toString("utf8");
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queued.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  // After the open, a reset shows as the close code (1006); the error itself is not the test's.
  socket.on("error", () => {});
  const next = (): Promise<string | Buffer> => {
    const message = queued.shift();
    if (message !== undefined) return Promise.resolve(message);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return { socket, next, nextJson: async () => JSON.parse(String(await next())) as unknown, closed };
}

/** A program started from `dist/`, with its output gathered. */
export interface ChildProgram {
  /** The process: its stdin, and `kill` to send it a signal. */
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  output(): string;
  /** Wait until stdout (or stderr, with `stream`) has matched `pattern`; returns the match. */
  waitFor(pattern: RegExp, stream?: "stdout" | "stderr"): Promise<RegExpMatchArray>;
  /** The exit code (or the signal's name) once the program has ended. */
  readonly exited: Promise<number | string>;
}

/**
 * Start a built example program with node, its stdin a pipe.
 * @param script - the file in `dist/`, for example `client.js`
 * @param args - its arguments
 * @param env - extra environment variables
 * @returns the running program
 */
export function startProgram(script: string, args: string[] = [], env: Record<string, string> = {}): ChildProgram {
  const child = spawnProcess(process.execPath, [`${distFolder}${script}`, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const text = { stdout: "", stderr: "" };
  const checks = new Set<() => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream].setEncoding("utf8");
    child[stream].on("data", (chunk: string) => {
      text[stream] += chunk;
      for (const check of [...checks]) check();
    });
  }
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const waitFor = (pattern: RegExp, stream: "stdout" | "stderr" = "stdout"): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(text[stream]);
        if (match) {
          checks.delete(check);
          resolve(match);
        }
      };
      checks.add(check);
      check();
      void exited.then((status) => {
        if (!checks.has(check)) return;
        checks.delete(check);
        reject(new Error(`${script} exited (${status}) before printing ${pattern}:\n${text.stdout}${text.stderr}`));
      });
    });
  return { child, output: () => text.stdout, waitFor, exited };
}
