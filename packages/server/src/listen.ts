// Listening endpoints: parse a `listen` URL, bind a node HTTP server to it, and release it.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { action, withResolvers, type Operation } from "effection";

/** A bound listener: where clients reach it. */
export interface ListenAddress {
  /** The URL clients use, with the port actually bound, for example `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The host (IP address or name) bound, without IPv6 brackets. */
  readonly host: string;
  /** The port bound; the kernel's choice when the configured port was 0. */
  readonly port: number;
}

/**
 * Read a `listen` entry: an `http://host:port` URL (port 80 when absent, 0 for any free port).
 * @param listen the configured URL, for example `http://127.0.0.1:4100`.
 * @returns the host (IPv6 without brackets) and port to bind.
 * @throws Error if the entry is not an absolute http URL with a host and nothing else.
 */
export function parseListenUrl(listen: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(listen);
  } catch {
    throw new Error(`listen "${listen}" is not a URL like http://127.0.0.1:4100`);
  }
  if (url.protocol !== "http:") {
    throw new Error(`listen "${listen}": only http:// is served (terminate TLS in front of the server)`);
  }
  if (url.hostname === "" || (url.pathname !== "/" && url.pathname !== "") || url.search !== "") {
    throw new Error(`listen "${listen}" must be http://host:port with no path or query`);
  }
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: url.port === "" ? 80 : Number(url.port) };
}

/**
 * Bind a server to a host and port; returns once it is listening.
 * @param server the node HTTP server, not yet listening.
 * @param host the address or name to bind.
 * @param port the port; 0 for any free port.
 * @returns the bound address.
 * @throws Error from the system if the address cannot be bound (for example EADDRINUSE).
 */
export function bindServer(server: Server, host: string, port: number): Operation<ListenAddress> {
  return action<ListenAddress>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    const onListening = (): void => {
      // A server listening on a host and port reports an AddressInfo, never a pipe name.
      const bound = server.address() as AddressInfo;
      const shown = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      resolve({ url: `http://${shown}:${bound.port}`, host: bound.address, port: bound.port });
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
    return () => {
      server.off("error", onError);
      server.off("listening", onListening);
    };
  }, "bindServer");
}

/**
 * Stop a server accepting connections now, and get an operation that returns once it has
 * closed: once every connection it accepted is gone (the caller ends them) and the port is free.
 * @param server the server; one that is not listening is already closed.
 * @returns an operation that waits for the close.
 */
export function stopAccepting(server: Server): Operation<void> {
  const closed = withResolvers<void>("server closed");
  if (server.listening) server.close(() => closed.resolve());
  else closed.resolve();
  return closed.operation;
}
