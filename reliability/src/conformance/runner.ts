// Runs one conformance case on its own connection to /echo/ and records what the server did.
import type { Socket } from "node:net";
import type { ServerMessage } from "../frames.js";
import { RawClient } from "../raw-client.js";
import type { ConformanceCase, Step } from "./case.js";
import { closeFrame } from "./wire.js";

/** How long the server may keep the TCP connection open after the close handshake, in ms. */
export const TCP_CLOSE_WAIT = 1000;

/** What the server did in one case. */
export interface CaseOutcome {
  /** Everything the server sent after the 101, in order, its close frame included. */
  messages: ServerMessage[];
  /** What was malformed in the server's frames, if anything was. */
  malformed: string | undefined;
  /** A socket error (for example a reset), if one happened. */
  error: string | undefined;
  /** Steps whose timing expectation was not met (fail-fast closes, connections that had to stay open). */
  stepProblems: string[];
  /** Whether the server closed the TCP connection within {@link TCP_CLOSE_WAIT} ms of the close handshake. */
  closedTcp: boolean;
}

/**
 * Connect to `path`, take the case's steps, close as the case says, and record the outcome.
 * The connection is gone when this returns.
 * @param port the server's port on 127.0.0.1.
 * @param testCase the case.
 * @param path the echo's path (default "/echo/").
 * @returns what the server sent and how the connection ended.
 * @throws Error if the upgrade is refused.
 * @example
 * const outcome = await runCase(port, echoCase("1.1.1", "echoes an empty text message", textFrame(""), [textEcho("")]));
 */
export async function runCase(port: number, testCase: ConformanceCase, path = "/echo/"): Promise<CaseOutcome> {
  const timeout = testCase.timeout ?? 5000;
  const client = await RawClient.upgrade(port, path);
  client.socket.setNoDelay(true);
  const stepProblems: string[] = [];
  try {
    for (const [index, step] of testCase.steps.entries()) {
      const problem = await takeStep(client, step);
      if (problem !== undefined) stepProblems.push(`step ${index + 1} (${step.kind}): ${problem}`);
    }
    const { messages, closing } = testCase.expect;
    let clientClosed = closing === "in-steps";
    if (closing === "after-messages") {
      await until(client, () => dataMessages(client) >= messages.length || serverClosed(client), timeout);
      if (!serverClosed(client) && !client.isClosed) {
        await flush(client.socket, closeFrame(1000));
        clientClosed = true;
      }
    }
    const closeArrived = await until(client, () => serverClosed(client), timeout);
    if (closeArrived && !clientClosed && !client.isClosed) {
      const code = client.frames.close?.code;
      await flush(client.socket, closeFrame(code));
    }
    const closedTcp = closeArrived && (await until(client, () => client.isClosed, TCP_CLOSE_WAIT));
    client.destroy();
    const end = await client.closed(TCP_CLOSE_WAIT);
    return { messages: end.messages, malformed: end.malformed, error: end.error?.message, stepProblems, closedTcp };
  } finally {
    client.destroy();
  }
}

/** Take one step; return what went wrong with its timing, if anything. */
async function takeStep(client: RawClient, step: Step): Promise<string | undefined> {
  switch (step.kind) {
    case "write": {
      const size = step.chunkSize ?? step.bytes.length;
      for (let at = 0; at < step.bytes.length; at += size) {
        if (client.isClosed || client.socket.destroyed || serverClosed(client)) return undefined;
        await flush(client.socket, step.bytes.subarray(at, at + size));
      }
      return undefined;
    }
    case "pause":
      await until(client, () => false, step.ms);
      return undefined;
    case "expectClose":
      return (await until(client, () => serverClosed(client), step.ms))
        ? undefined
        : `no close frame within ${step.ms} ms: the server did not fail fast`;
    case "expectOpen":
      await until(client, () => serverClosed(client), step.ms);
      return serverClosed(client) || client.isClosed ? `the server closed within ${step.ms} ms, too early` : undefined;
  }
}

/** Whether the server's close frame has arrived. */
function serverClosed(client: RawClient): boolean {
  return client.frames.close !== undefined;
}

/** How many messages (not counting a close) the server has sent. */
function dataMessages(client: RawClient): number {
  return client.frames.messages.filter((message) => message.kind !== "close").length;
}

/** Write `bytes` and wait until the socket has taken them (or failed). */
function flush(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) resolve();
    else socket.write(bytes, () => resolve());
  });
}

/**
 * Wait until `done()` holds, re-asked on every arrival; false if the connection closes or `ms`
 * pass first. Leaves no listener or timer behind.
 */
function until(client: RawClient, done: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = client.socket;
    let settled = false;
    const finish = (value: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off("data", check);
      socket.off("close", check);
      resolve(value);
    };
    const check = (): void => {
      if (done()) finish(true);
      else if (client.isClosed) finish(false);
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on("data", check);
    socket.on("close", check);
    check();
  });
}
