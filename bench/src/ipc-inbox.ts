// A buffered inbox of IPC messages from a parent or child process, as an effection resource.
import type { EventEmitter } from "node:events";
import { createQueue, resource, type Operation } from "effection";

/** Takes the next message; undefined once the channel has ended. */
export type NextMessage<T> = () => Operation<T | undefined>;

/**
 * Buffer every "message" event of `source` from now on (none is lost while nobody waits) until
 * `endEvent` fires; the listeners are removed when the caller's scope ends.
 * @param source `process` (in a child) or a `ChildProcess` (in the parent).
 * @param endEvent the event that ends the channel, e.g. "disconnect" or "exit".
 * @returns a function whose operation yields the next message, or undefined after the end.
 * @example
 * const next = yield* useInbox<ToGenerator>(process, "disconnect");
 * const message = yield* next();
 */
export function useInbox<T>(source: EventEmitter, endEvent: string): Operation<NextMessage<T>> {
  return resource(function* (provide) {
    const queue = createQueue<T, void>();
    const onMessage = (message: T) => queue.add(message);
    const onEnd = () => queue.close();
    source.on("message", onMessage);
    source.on(endEvent, onEnd);
    try {
      yield* provide(function* () {
        const next = yield* queue.next();
        return next.done ? undefined : next.value;
      });
    } finally {
      source.off("message", onMessage);
      source.off(endEvent, onEnd);
    }
  });
}
