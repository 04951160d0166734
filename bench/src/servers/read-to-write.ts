// The server's own share of a ping-pong round trip: from each socket read to the next socket write.
import net from "node:net";

/** The message that starts timing reads to writes in a server process. */
export const READ_TO_WRITE_START = "fiberws-bench:read-to-write:start";
/** The message that stops the timing and asks for its result. */
export const READ_TO_WRITE_STOP = "fiberws-bench:read-to-write:stop";

/** What a server process measured between the start and the stop. */
export interface ReadToWriteReply {
  kind: "read-to-write";
  /** The median time from a read to the next write, in microseconds (0 if none was seen). */
  medianUs: number;
  /** How many reads were followed by a write. */
  count: number;
}

/**
 * Whether an IPC message is a ReadToWriteReply.
 * @param message anything received.
 * @returns true for a read-to-write reply.
 */
export function isReadToWriteReply(message: unknown): message is ReadToWriteReply {
  return typeof message === "object" && message !== null && (message as { kind?: unknown }).kind === "read-to-write";
}

type Method = (this: net.Socket, ...args: unknown[]) => unknown;
type Patchable = Record<"push" | "_write" | "_writev", Method>;

/**
 * Time, in this process, each socket read (a chunk pushed into a `net.Socket`) to the next
 * write handed to any socket (`_write` or `_writev`): for a single connection in ping-pong
 * (workload a), the server's work on a message from its arrival to its echo's departure,
 * stream machinery included, with none of the kernel's or the peer's time. Costs two clock
 * reads per message, the same for every server.
 * @returns stops the timing, puts the socket methods back, and says what it measured
 */
export function startReadToWrite(): () => ReadToWriteReply {
  const proto = net.Socket.prototype as unknown as Patchable;
  const originals = (["push", "_write", "_writev"] as const).map((name) => ({
    name,
    method: proto[name],
    own: Object.hasOwn(proto, name),
  }));
  const [push, write, writev] = originals.map((original) => original.method) as [Method, Method, Method];
  const delays: number[] = [];
  let readAt: bigint | undefined;
  const written = (): void => {
    if (readAt === undefined) return;
    delays.push(Number(process.hrtime.bigint() - readAt) / 1000);
    readAt = undefined;
  };
  proto.push = function (this: net.Socket, ...args: unknown[]) {
    const chunk = args[0] as Buffer | null;
    if (chunk !== null && chunk.length > 0) readAt = process.hrtime.bigint();
    return push.apply(this, args);
  };
  proto._write = function (this: net.Socket, ...args: unknown[]) {
    written();
    return write.apply(this, args);
  };
  proto._writev = function (this: net.Socket, ...args: unknown[]) {
    written();
    return writev.apply(this, args);
  };
  return () => {
    for (const { name, method, own } of originals) {
      if (own) proto[name] = method;
      else delete (proto as Partial<Patchable>)[name];
    }
    delays.sort((a, b) => a - b);
    const medianUs = delays.length === 0 ? 0 : delays[delays.length >> 1];
    return { kind: "read-to-write", medianUs, count: delays.length };
  };
}
