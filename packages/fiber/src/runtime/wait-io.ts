// rWaitForIO: suspend a fiber until a socket is readable or writable, or a deadline passes.
import { action } from "effection";
import type { Operation } from "effection";
import type { Socket } from "node:net";

/** Wait mask bit: the socket has data to read (or has ended, or failed). */
export const R_READABLE = 0x2;
/** Wait mask bit: the socket accepts writes without buffering past its high-water mark. */
export const R_WRITABLE = 0x4;

/**
 * The current time in milliseconds, the scale of `rWaitForIO` deadlines.
 * @returns `Date.now()`
 */
export function rGetTicks(): number {
  return Date.now();
}

function readyNow(socket: Socket, mask: number): number {
  let ready = 0;
  const closed = socket.destroyed;
  if (mask & R_READABLE && (closed || socket.readableLength > 0 || socket.readableEnded)) {
    ready |= R_READABLE;
  }
  if (mask & R_WRITABLE && (closed || (!socket.connecting && !socket.writableNeedDrain))) {
    ready |= R_WRITABLE;
  }
  return ready;
}

/**
 * Yield until `socket` is ready for what `mask` asks, or until `deadline`. Readable means data
 * is buffered (it is not consumed), the peer ended, or the socket failed; writable means the
 * socket is connected and its write buffer has drained. A destroyed socket is ready for both,
 * so the next read or write reports its state.
 * @param socket - a connected (or connecting) `net.Socket`
 * @param mask - `R_READABLE`, `R_WRITABLE` or both
 * @param deadline - absolute time (`rGetTicks()` scale) to give up at; 0 waits without limit
 * @returns the mask bits that are ready; 0 if the deadline passed first
 * @throws RangeError if `mask` asks for neither condition
 * @example
 * ```ts
 * const ready = yield* rWaitForIO(socket, R_READABLE, rGetTicks() + 5000);
 * if (ready === 0) rError("app", "peer silent for 5 seconds");
 * ```
 */
export function* rWaitForIO(socket: Socket, mask: number, deadline: number): Operation<number> {
  if ((mask & (R_READABLE | R_WRITABLE)) === 0) {
    throw new RangeError("rWaitForIO: mask must include R_READABLE or R_WRITABLE");
  }
  const now = readyNow(socket, mask);
  if (now !== 0) return now;
  return yield* action<number>((resolve) => {
    const check = () => {
      const ready = readyNow(socket, mask);
      if (ready !== 0) resolve(ready);
    };
    const onReadable = () => resolve(readyNow(socket, mask) | R_READABLE);
    const onClose = () => resolve(mask & (R_READABLE | R_WRITABLE));
    const wantsRead = (mask & R_READABLE) !== 0;
    if (wantsRead) socket.on("readable", onReadable);
    socket.on("connect", check);
    socket.on("drain", check);
    socket.on("end", check);
    socket.on("close", onClose);
    const timer = deadline > 0 ? setTimeout(() => resolve(0), Math.max(0, deadline - Date.now())) : undefined;
    return () => {
      clearTimeout(timer);
      if (wantsRead) socket.off("readable", onReadable);
      socket.off("connect", check);
      socket.off("drain", check);
      socket.off("end", check);
      socket.off("close", onClose);
    };
  });
}
