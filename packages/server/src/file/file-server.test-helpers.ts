// Test kit for the file handler: a loopback server running serveFile, raw requests, fd counting.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import { createScope } from "effection";
import { serveFile, type ServeFileOptions } from "./serve-file.js";

/** A running loopback server that answers every request with `serveFile`. */
export interface FileServer {
  port: number;
  /** Halt every in-flight `serveFile` (as a server shutdown would), keeping the listener. */
  halt(): Promise<void>;
  /** Halt in-flight requests, drop every connection and release the port. */
  close(): Promise<void>;
}

/** Start a `node:http` server on 127.0.0.1:0 whose requests each run `serveFile` in one scope. */
export async function startFileServer(options: ServeFileOptions): Promise<FileServer> {
  let [scope, destroy] = createScope();
  const server = http.createServer((req, res) => {
    scope.run(() => serveFile(req, res, options));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo; // listening on TCP, so an AddressInfo
  const halt = async (): Promise<void> => {
    await destroy();
    [scope, destroy] = createScope();
  };
  return {
    port,
    halt,
    async close() {
      await destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

/** A parsed HTTP response read off a raw socket. */
export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Send one request with the request-target written verbatim (no client normalises `..` away)
 * and `Connection: close`, then read the response until the server closes.
 */
export function rawRequest(
  port: number,
  target: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headerLines = Object.entries({ Host: "127.0.0.1", ...options.headers, Connection: "close" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  const request = `${options.method ?? "GET"} ${target} HTTP/1.1\r\n${headerLines}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request, "latin1"));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseResponse(bytes: Buffer): RawResponse {
  const split = bytes.indexOf("\r\n\r\n");
  if (split === -1) throw new Error(`no response head in ${JSON.stringify(bytes.toString())}`);
  const [statusLine = "", ...lines] = bytes.subarray(0, split).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: bytes.subarray(split + 4) };
}

/** How many of this process's file descriptors are open on `file` (read from /proc/self/fd). */
export function openDescriptorsOn(file: string): number {
  const real = fs.realpathSync(file);
  let count = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === real) count++;
    } catch {
      // The descriptor used to list the folder is gone by the time it is read.
    }
  }
  return count;
}

/** Poll `read` until it returns `expected` or `ms` pass; returns the last value read. */
export async function eventually<T>(read: () => T, expected: T, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = read();
  }
  return value;
}
