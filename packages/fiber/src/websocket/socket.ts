// A net.Socket bridged into effection: reads without loss, paced writes, destroyed with its scope.
import type { Socket } from "node:net";
import { action, resource, type Operation } from "effection";
import { ClockContext, systemClock, type Clock, type TimerHandle } from "./clock.js";

/** Takes a socket's input as it arrives, synchronously (the WebSocket reader is one). */
export interface SocketConsumer {
  /**
   * Bytes from the peer, in order.
   * @param chunk - the bytes
   * @param live - true when called from the socket's own event, at the top of the stack (the
   *   consumer may then run waiting fibers inline); false for input queued before it consumed
   */
  receive(chunk: Buffer, live: boolean): void;
  /** Input is over: the peer ended or the socket closed; `error` says why if it failed. */
  inputEnded(error: Error | undefined): void;
  /** The socket's output drained, as asked with {@link SocketChannel.noticeDrain}. */
  outputDrained?(): void;
}

/** Options of {@link SocketChannel} and {@link useSocket}. */
export interface SocketChannelOptions {
  /** Stop reading from the socket while this many bytes wait unread (default 64 KiB). */
  readLimit?: number;
  /** On release, how long buffered output may take to drain before the socket is destroyed
   * anyway, in ms (default 5000); 0 = as long as it takes. */
  closeTimeout?: number;
  /** Time source for the close timeout and drain timeouts (default: the system clock). */
  clock?: Clock;
}

/** Thrown by {@link SocketChannel.drain} when the socket did not drain in time. */
export class DrainTimeoutError extends Error {
  override name = "DrainTimeoutError";
}

/** Batches up to this many bytes are joined before writing; larger ones are written vectored. */
const JOIN_LIMIT = 16 * 1024;

const kChannel = Symbol("fiberws.socketChannel");
type ChannelSocket = Socket & { [kChannel]?: SocketChannel };

/**
 * A socket's input and output as seen from effection. Input is bridged from the socket's
 * events into a queue that exists from construction, so nothing sent before a reader waits is
 * lost; the socket is paused while the queue is over its limit. Alternatively a
 * {@link SocketConsumer} takes the input synchronously as it arrives. Listeners are plain
 * module functions (no per-socket closures) and are removed when the socket closes.
 */
export class SocketChannel {
  /** The socket this channel reads and writes. */
  readonly socket: Socket;
  /** The error the socket failed with, if it did. */
  error: Error | undefined = undefined;
  private readonly readLimit: number;
  private readonly closeTimeout: number;
  private readonly clock: Clock;
  private chunks: Buffer[] = [];
  private queuedBytes = 0;
  private inputOver = false;
  private closed = false;
  private wakeReader: (() => void) | undefined = undefined;
  private wakeOnClose: (() => void) | undefined = undefined;
  private consumer: SocketConsumer | undefined = undefined;
  private forceTimer: TimerHandle | undefined = undefined;
  /** Released, and waiting for the peer to end its output before destroying the socket. */
  private awaitingPeerEnd = false;
  /** The consumer is to be told when the output drains. */
  private drainNoticed = false;

  /**
   * Start bridging `socket`; from now on its input is kept until read.
   * @param socket - a connected socket, not yet read by anyone else
   * @param options - read limit, close timeout and clock
   */
  constructor(socket: Socket, options: SocketChannelOptions = {}) {
    this.socket = socket;
    this.readLimit = options.readLimit ?? 64 * 1024;
    this.closeTimeout = options.closeTimeout ?? 5000;
    this.clock = options.clock ?? systemClock;
    const target = socket as ChannelSocket;
    target[kChannel] = this;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.on("close", onClose);
    if (socket.destroyed) this.onClosed();
  }

  /**
   * Read the next chunk of input, waiting for one if none is queued.
   * @returns the chunk, or `null` once input is over (see {@link SocketChannel.error})
   * @throws Error if a consumer takes this channel's input
   */
  *read(): Operation<Buffer | null> {
    if (this.consumer) throw new Error("socket input is taken by a consumer; it cannot be read");
    while (this.chunks.length === 0) {
      if (this.inputOver) return null;
      yield* action<void>((resolve) => {
        this.wakeReader = resolve;
        return () => (this.wakeReader = undefined);
      });
    }
    // The loop above only exits with a chunk queued.
    const chunk = this.chunks.shift() as Buffer;
    this.queuedBytes -= chunk.length;
    if (this.socket.isPaused() && this.queuedBytes <= this.readLimit / 2) this.socket.resume();
    return chunk;
  }

  /**
   * Hand all input, from the queued chunks on, to `consumer` as it arrives. The consumer paces
   * the socket itself with {@link SocketChannel.pause} and {@link SocketChannel.resume}.
   * @param consumer - takes every chunk, then the end of input
   * @throws Error if a consumer was already attached
   */
  consume(consumer: SocketConsumer): void {
    if (this.consumer) throw new Error("socket input already has a consumer");
    this.consumer = consumer;
    const queued = this.chunks;
    this.chunks = [];
    this.queuedBytes = 0;
    for (const chunk of queued) consumer.receive(chunk, false);
    if (this.inputOver) consumer.inputEnded(this.error);
    else if (this.socket.isPaused()) this.socket.resume();
  }

  /** Stop reading from the socket (its reads wait in the kernel). */
  pause(): void {
    this.socket.pause();
  }

  /** Read from the socket again after {@link SocketChannel.pause}. */
  resume(): void {
    if (!this.inputOver) this.socket.resume();
  }

  /**
   * Write bytes now; bytes for a closed socket are dropped.
   * @param data - the bytes to write
   * @returns `false` when the socket's buffer is at or over its high-water mark
   */
  write(data: Uint8Array): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return true;
    return socket.write(data);
  }

  /**
   * Write buffers in order as one batch; bytes for a closed socket are dropped. A small batch is
   * joined into one buffer (one write); a large one is corked and goes out by reference in one
   * vectored write, so big payloads are never copied (joining a 64 KiB echo cost ~30% of the
   * server's time).
   * @param pieces - the buffers to write, in order
   * @param total - their summed length
   * @returns `false` when the socket's buffer is at or over its high-water mark
   */
  writeAll(pieces: readonly Buffer[], total: number): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return true;
    if (pieces.length === 1) return socket.write(pieces[0] as Buffer);
    if (total <= JOIN_LIMIT) return socket.write(Buffer.concat(pieces as Buffer[], total));
    socket.cork();
    let below = true;
    for (const piece of pieces) below = socket.write(piece);
    socket.uncork();
    return below;
  }

  /** Send what is buffered, then end the output (the socket closes when the peer ends too). */
  endOutput(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  /** Tell the consumer once the socket's buffered output has drained (once per call until then). */
  noticeDrain(): void {
    if (this.drainNoticed || this.closed) return;
    this.drainNoticed = true;
    this.socket.once("drain", onDrainNoticed);
  }

  /** @internal Socket 'drain' after {@link SocketChannel.noticeDrain}. */
  onDrainNoticed(): void {
    this.drainNoticed = false;
    this.consumer?.outputDrained?.();
  }

  /** Bytes buffered in the socket, not yet handed to the kernel. */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  /**
   * Whether writes must wait for {@link SocketChannel.drain}: the socket still buffers its
   * high-water mark or more. A write the kernel took at once leaves nothing buffered and needs
   * no wait, even over the mark (node's `writableNeedDrain` would still say so until the next
   * tick): not waiting there saved ~15% of the server's time on 64 KiB echoes (a drain
   * listener and a turn per message).
   */
  get needsDrain(): boolean {
    const socket = this.socket;
    return socket.writableLength >= socket.writableHighWaterMark && !socket.destroyed;
  }

  /**
   * Wait until the socket's buffered output falls below its high-water mark.
   * @param timeout - ms to wait at most; 0 waits as long as it takes
   * @throws DrainTimeoutError when `timeout` passes first
   * @throws Error when the socket closes first
   */
  drain(timeout: number): Operation<void> {
    const { socket, clock } = this;
    return action<void>((resolve, reject) => {
      if (!this.needsDrain) {
        resolve();
        return () => {};
      }
      const onDrained = () => resolve();
      const onClosed = () => reject(new Error("the connection closed before its output was sent"));
      socket.once("drain", onDrained);
      socket.once("close", onClosed);
      const timer =
        timeout > 0
          ? clock.setTimer(
              (fail) => fail(new DrainTimeoutError(`the peer did not read for ${timeout} ms`)),
              timeout,
              reject,
            )
          : undefined;
      return () => {
        socket.off("drain", onDrained);
        socket.off("close", onClosed);
        if (timer !== undefined) clock.clearTimer(timer);
      };
    });
  }

  /**
   * Let the socket go: destroyed at once when its output is all written, else ended and
   * destroyed when that output is flushed or after the close timeout (if any), whichever comes
   * first. With `afterPeerEnds`, a socket whose output is written and whose peer has not ended
   * its own yet is destroyed when the peer does, or after the close timeout: the peer closes
   * TCP first and keeps its TIME_WAIT (a WebSocket client leaves that to the server, RFC 6455
   * section 7.1.1).
   * @param afterPeerEnds - wait for the peer's end of output before closing
   */
  release(afterPeerEnds = false): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    if (socket.writableLength === 0) {
      if (!afterPeerEnds || this.inputOver) {
        socket.destroy();
        return;
      }
      if (this.awaitingPeerEnd) return;
      this.awaitingPeerEnd = true;
      // Whatever still comes is not read by anyone: keep reading, to see the end.
      socket.resume();
      if (this.closeTimeout > 0) this.forceTimer = this.clock.setTimer(destroyChannelSocket, this.closeTimeout, this);
      return;
    }
    // Released before, with output still buffered: it is already ending.
    if (socket.listeners("finish").includes(destroyThisSocket)) return;
    socket.end();
    socket.once("finish", destroyThisSocket);
    if (this.closeTimeout > 0) this.forceTimer = this.clock.setTimer(destroyChannelSocket, this.closeTimeout, this);
  }

  /** Wait until the socket has closed and every listener of this channel is removed. */
  *whenClosed(): Operation<void> {
    if (this.closed) return;
    yield* action<void>((resolve) => {
      this.wakeOnClose = resolve;
      return () => (this.wakeOnClose = undefined);
    });
  }

  /** @internal Socket 'data': queue the chunk or hand it to the consumer. */
  onData(chunk: Buffer): void {
    if (this.consumer) {
      this.consumer.receive(chunk, true);
      return;
    }
    this.chunks.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes >= this.readLimit) this.socket.pause();
    this.wakeReader?.();
  }

  /** @internal Input is over (socket 'end', or 'close' without one). */
  onInputOver(): void {
    if (this.inputOver) return;
    this.inputOver = true;
    if (this.awaitingPeerEnd) {
      this.socket.destroy();
      return;
    }
    if (this.consumer) this.consumer.inputEnded(this.error);
    else this.wakeReader?.();
  }

  /** @internal Socket 'close': input over, listeners removed, timers cleared. */
  onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.onInputOver();
    const socket = this.socket;
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("error", onError);
    socket.off("close", onClose);
    socket.off("finish", destroyThisSocket);
    socket.off("drain", onDrainNoticed);
    delete (socket as ChannelSocket)[kChannel];
    if (this.forceTimer !== undefined) this.clock.clearTimer(this.forceTimer);
    this.forceTimer = undefined;
    this.wakeOnClose?.();
  }
}

/**
 * Bridge a connected socket into the current scope. Input is queued from this moment on, and
 * the socket is paused while more than `readLimit` bytes wait unread. When the scope ends,
 * however it ends, the socket is released (destroyed once its output is written, bounded by
 * the close timeout) and the resource waits until it has closed, leaving no listener.
 * @param socket - a connected socket
 * @param options - read limit and close timeout
 * @returns the channel to read and write the socket through
 * @example
 * ```ts
 * const channel = yield* useSocket(socket);
 * for (let chunk = yield* channel.read(); chunk; chunk = yield* channel.read()) {
 *   channel.write(chunk); // echo
 * }
 * ```
 */
export function useSocket(socket: Socket, options: SocketChannelOptions = {}): Operation<SocketChannel> {
  return resource(function* (provide) {
    const clock = options.clock ?? (yield* ClockContext.expect());
    const channel = new SocketChannel(socket, { ...options, clock });
    try {
      yield* provide(channel);
    } finally {
      channel.release();
      yield* channel.whenClosed();
    }
  });
}

function channelOf(socket: Socket): SocketChannel | undefined {
  return (socket as ChannelSocket)[kChannel];
}

function onData(this: Socket, chunk: Buffer): void {
  channelOf(this)?.onData(chunk);
}

function onEnd(this: Socket): void {
  channelOf(this)?.onInputOver();
}

function onError(this: Socket, error: Error): void {
  const channel = channelOf(this);
  if (channel && !channel.error) channel.error = error;
}

function onClose(this: Socket): void {
  channelOf(this)?.onClosed();
}

function onDrainNoticed(this: Socket): void {
  channelOf(this)?.onDrainNoticed();
}

function destroyThisSocket(this: Socket): void {
  this.destroy();
}

function destroyChannelSocket(channel: SocketChannel): void {
  channel.socket.destroy();
}
