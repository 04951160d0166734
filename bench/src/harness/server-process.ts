// Starts one echo server in its own child process on a fresh port, as an effection resource.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { action, race, sleep, type Operation, resource } from "effection";
import type { EchoTarget } from "../generator/echo-connection.js";
import { isMemoryReply, MEMORY_REQUEST, type MemoryReply } from "../servers/memory-messages.js";
import {
  isReadToWriteReply,
  READ_TO_WRITE_START,
  READ_TO_WRITE_STOP,
  type ReadToWriteReply,
} from "../servers/read-to-write.js";
import { useInbox } from "../ipc-inbox.js";
import { NO_DIAGNOSTICS, type ServerDiagnostics } from "./diagnostics.js";
import { exited, stopProcess } from "./process-exit.js";

/** The servers compared, in table order. */
export type ServerName = "ws" | "fiberws" | "raw";

/** How to start one server. */
export interface ServerSpec {
  name: ServerName;
  /** Absolute path of the program to run with node. */
  script: string;
  /** Its arguments for a port. */
  args(port: number): string[];
  /** The path of its echo endpoint. */
  path: string;
}

/** A running server process. */
export interface ServerProcess {
  spec: ServerSpec;
  pid: number;
  target: EchoTarget;
  /** Its RSS and V8 heap after a full collection, as it reports them itself. */
  memory(): Operation<MemoryReply>;
  /** Start timing its socket reads to its next writes (see `startReadToWrite`). */
  startReadToWrite(): void;
  /** Stop that timing: the median it measured. */
  readToWrite(): Operation<ReadToWriteReply>;
}

const HOST = "127.0.0.1";
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const PROBE = fileURLToPath(new URL("../servers/server-probe.js", import.meta.url));
const BASELINES = fileURLToPath(new URL("../servers/server-main.js", import.meta.url));

/**
 * The three servers: `ws` (with bufferutil), ours (the example server's `/echo/`), and the raw
 * TCP echo.
 * @param root the repository root.
 * @returns their specs, in table order.
 */
export function serverSpecs(root: string): ServerSpec[] {
  return [
    { name: "ws", script: BASELINES, args: (port) => ["ws", String(port)], path: "/" },
    {
      name: "fiberws",
      script: `${root}/examples/dist/server.js`,
      args: (port) => ["--listen", `http://${HOST}:${port}`],
      path: "/echo/",
    },
    { name: "raw", script: BASELINES, args: (port) => ["raw", String(port)], path: "/" },
  ];
}

/**
 * Whether a server's program has been built.
 * @param spec the server.
 * @returns true if its script exists.
 */
export function isBuilt(spec: ServerSpec): boolean {
  return existsSync(spec.script);
}

/**
 * Start `spec` on a fresh port with `--expose-gc` and the memory probe preloaded, and wait until
 * it accepts TCP connections. The process is stopped (SIGTERM, then SIGKILL) when the caller's
 * scope ends.
 * @param spec the server to start.
 * @param diagnostics extra node flags (profiling), and a file for its stdout (a GC trace).
 * @returns the running server.
 * @throws Error if it exits or does not listen within 15 s (with the end of its stderr).
 * @example
 * const server = yield* useServerProcess(serverSpecs(root)[0]);
 * const before = yield* server.memory();
 */
export function useServerProcess(spec: ServerSpec, diagnostics: ServerDiagnostics = NO_DIAGNOSTICS): Operation<ServerProcess> {
  return resource(function* (provide) {
    const port = yield* freePort();
    const { nodeFlags, stdoutFile } = diagnostics;
    if (stdoutFile !== undefined) mkdirSync(dirname(stdoutFile), { recursive: true });
    const stdout = stdoutFile === undefined ? "ignore" : openSync(stdoutFile, "w");
    const flags = ["--expose-gc", ...nodeFlags, "--import", PROBE];
    const child = spawn(process.execPath, [...flags, spec.script, ...spec.args(port)], {
      stdio: ["ignore", stdout, "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      stderr = (stderr + text).slice(-2000);
    });
    try {
      const next = yield* useInbox<unknown>(child, "exit");
      const started = yield* race([
        (function* () {
          yield* waitForListener(port, START_TIMEOUT_MS);
          return true;
        })(),
        (function* () {
          yield* exited(child);
          return false;
        })(),
      ]);
      if (!started) throw new Error(`${spec.name} exited at start: ${errorLine(stderr)}`);
      /** Send `request`, then wait for the reply `isReply` recognises. */
      const ask = function* <T>(request: string, isReply: (message: unknown) => message is T, what: string): Operation<T> {
        child.send(request);
        for (let message = yield* next(); message !== undefined; message = yield* next()) {
          if (isReply(message)) return message;
        }
        throw new Error(`${spec.name} exited before reporting ${what}: ${errorLine(stderr)}`);
      };
      yield* provide({
        spec,
        pid: child.pid ?? -1,
        target: { host: HOST, port, path: spec.path },
        memory: () => ask(MEMORY_REQUEST, isMemoryReply, "its memory"),
        startReadToWrite: () => void child.send(READ_TO_WRITE_START),
        readToWrite: () => ask(READ_TO_WRITE_STOP, isReadToWriteReply, "its read-to-write time"),
      });
    } finally {
      yield* stopProcess(child, STOP_GRACE_MS);
      if (typeof stdout === "number") closeSync(stdout);
    }
  });
}

/**
 * The line of a program's stderr that says what went wrong: the first one naming an error,
 * else the last one.
 * @param stderr the captured output.
 * @returns one line.
 */
export function errorLine(stderr: string): string {
  const lines = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.find((line) => /\w*Error\b/.test(line)) ?? lines.at(-1) ?? "no output";
}

/** A port that was free a moment ago (bound to port 0, then released). */
function freePort(): Operation<number> {
  return action((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
    return () => {
      if (server.listening) server.close();
    };
  });
}

/** Poll `port` until a TCP connection succeeds. */
function* waitForListener(port: number, timeoutMs: number): Operation<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(yield* canConnect(port))) {
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    yield* sleep(50);
  }
}

function canConnect(port: number): Operation<boolean> {
  return action((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once("connect", () => resolve(true));
    socket.once("error", () => resolve(false));
    return () => socket.destroy();
  });
}
