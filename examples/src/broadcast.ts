// A publish/subscribe bus: the in-process version of what a Redis pub/sub can later replace.
import { createChannel, type Operation, type Stream } from "effection";

/**
 * Messages for everyone listening on one topic. Publishing reaches every current subscriber
 * (and none that subscribe later); a subscription is a resource of the subscriber's scope, so it
 * ends, and stops buffering, when that scope ends. An implementation backed by Redis pub/sub (or
 * any broker) can take this one's place without a change to its users.
 */
export interface Broadcast<T> {
  /**
   * Deliver a message to every current subscriber, the publisher's own subscription included.
   * @param message - the message
   */
  publish(message: T): Operation<void>;
  /**
   * The messages published from the moment of subscribing, in order, as a stream.
   * @returns a stream: `yield* broadcast.subscribe()` gives a subscription owned by the caller's scope
   */
  subscribe(): Stream<T, never>;
}

/**
 * A {@link Broadcast} within this process, on an effection channel.
 * @returns a new, empty broadcast
 * @example
 * ```ts
 * const room = createLocalBroadcast<string>();
 * const inbox = yield* room.subscribe();
 * yield* room.publish("hello");
 * (yield* inbox.next()).value; // "hello"
 * ```
 */
export function createLocalBroadcast<T>(): Broadcast<T> {
  const channel = createChannel<T, never>();
  return {
    publish: (message) => channel.send(message),
    subscribe: () => channel,
  };
}
