// Type declarations for the frame-level internals of the `ws` package, used as an independent
// implementation in tests and benchmarks (its published types cover only the public API).
import type { Writable } from "node:stream";

declare module "ws" {
  /** The socket-like target a `Sender` writes frames to. */
  interface SenderSocket {
    cork(): void;
    uncork(): void;
    write(data: Buffer | string, callback?: (error?: Error) => void): boolean;
  }

  /** Options of `Sender.frame`. */
  interface SenderFrameOptions {
    fin?: boolean;
    mask?: boolean;
    opcode: number;
    readOnly?: boolean;
    rsv1?: boolean;
  }

  /** `ws`'s frame writer. */
  class Sender {
    constructor(socket: SenderSocket, extensions?: Record<string, unknown>, generateMask?: (mask: Buffer) => void);
    static frame(data: Buffer | string, options: SenderFrameOptions): (Buffer | string)[];
    send(
      data: Buffer | string,
      options: { binary?: boolean; compress?: boolean; fin?: boolean; mask?: boolean },
      callback?: (error?: Error) => void,
    ): void;
    ping(data: Buffer | string, mask: boolean, callback?: (error?: Error) => void): void;
    pong(data: Buffer | string, mask: boolean, callback?: (error?: Error) => void): void;
    close(code: number | undefined, data: Buffer | string | undefined, mask: boolean, callback?: (error?: Error) => void): void;
  }

  /** Options of `ws`'s frame parser. */
  interface ReceiverOptions {
    allowSynchronousEvents?: boolean;
    binaryType?: "nodebuffer" | "arraybuffer" | "fragments";
    isServer?: boolean;
    maxPayload?: number;
    skipUTF8Validation?: boolean;
  }

  /** `ws`'s frame parser: a writable stream of socket bytes that emits what it parses. */
  class Receiver extends Writable {
    constructor(options?: ReceiverOptions);
    on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: "ping" | "pong", listener: (data: Buffer) => void): this;
    on(event: "conclude", listener: (code: number, reason: Buffer) => void): this;
    on(event: "error", listener: (error: Error & { code: string }) => void): this;
    on(event: string, listener: (...args: never[]) => void): this;
  }
}
