// A publish/subscribe bus with a bounded backlog per subscriber: the in-process version of what a Redis pub/sub can later replace.
import { action, resource, spawn, withResolvers, type Operation, type Stream, type Subscription } from "effection";

/**
 * How many messages a subscriber may have waiting before it is cut off. A subscriber's backlog
 * only grows while it cannot take messages, which for a chat connection means its socket is
 * over its high-water mark and the kernel's buffers are full too: a peer that many megabytes
 * behind is not reading. 256 posts is far more than any live reader lags by, and it caps what
 * the room keeps: each backlog holds the latest posts its subscriber has not taken, so all
 * backlogs together hold at most the last 256 posts, each shared by every backlog it is in
 * (256 chat lines of at most 64 KiB are 16 MiB at worst, however many peers stop reading).
 */
export const SUBSCRIBER_BACKLOG = 256;

/** Thrown into the scope of a subscriber that fell too far behind: its subscription is over. */
export class SubscriberTooSlowError extends Error {
  /**
   * @param behind - how many messages the subscriber had not taken, the one that cut it off included
   */
  constructor(readonly behind: number) {
    super(`subscriber cut off: ${behind} messages behind`);
    this.name = "SubscriberTooSlowError";
  }
}

/**
 * Messages for everyone listening on one topic. Publishing reaches every current subscriber
 * (and none that subscribe later), in the order published; a subscription is a resource of the
 * subscriber's scope, so it ends, and stops keeping messages, when that scope ends. An
 * implementation backed by Redis pub/sub (or any broker) can take this one's place without a
 * change to its users.
 *
 * A lagging subscriber is cut off, never waited for: each subscription keeps a bounded backlog
 * of messages not yet taken, and the publish that finds it full drops that backlog and fails the
 * subscription with {@link SubscriberTooSlowError} in the subscriber's scope. That halts whatever
 * the scope is doing (a send waiting on a peer that does not read, say) and throws from the
 * `scoped` or spawned task that holds the subscription, where the subscriber can catch it. So
 * publishing never blocks, every other subscriber keeps receiving every message in order, and
 * the memory a subscriber costs stays bounded whatever its peer does. (Redis does the same to a
 * pub/sub client over its output buffer limit: it disconnects it.)
 */
export interface Broadcast<T> {
  /**
   * Deliver a message to every current subscriber, the publisher's own subscription included.
   * Never waits for a slow subscriber (one whose backlog is full is cut off instead), but lets
   * the subscribers that keep up take the message before it returns, so a publisher cannot cut
   * them off by publishing many messages in a burst.
   * @param message - the message
   */
  publish(message: T): Operation<void>;
  /**
   * The messages published from the moment of subscribing, in order, as a stream.
   * @returns a stream: `yield* broadcast.subscribe()` gives a subscription owned by the caller's
   *   scope, which fails with {@link SubscriberTooSlowError} if the caller falls too far behind
   */
  subscribe(): Stream<T, never>;
}

/** A {@link Broadcast} within this process, which can report its backlogs. */
export interface LocalBroadcast<T> extends Broadcast<T> {
  /**
   * How many messages each current subscriber has yet to take: for tests and monitoring.
   * @returns one count per live subscription, each at most the broadcast's limit
   */
  backlogs(): number[];
}

/** One subscriber's side of the broadcast: what it has not taken yet, and how it is cut off. */
interface Inbox<T> {
  /** Messages published and not yet taken, oldest first. */
  readonly waiting: T[];
  /** The subscriber's pending `next()`, when it waits on an empty backlog. */
  taker: ((result: IteratorResult<T, never>) => void) | undefined;
  /** Cuts the subscriber off, saying how far behind it was. */
  cutOff(behind: number): void;
}

/**
 * Let the event loop come round once: tasks woken meanwhile run, and sockets drain.
 * @returns once the loop has turned
 */
function* nextTurn(): Operation<void> {
  yield* action<void>((resolve) => {
    const immediate = setImmediate(resolve);
    return () => clearImmediate(immediate);
  });
}

/**
 * A {@link Broadcast} within this process: one bounded backlog per subscription. Publishing
 * hands the message to each subscriber and returns on the next turn of the event loop, by
 * which time every subscriber that was waiting for it has taken it.
 * @param limit - the most messages a subscriber may have waiting; the next one cuts it off
 * @returns a new broadcast with no subscribers
 * @throws RangeError if `limit` is not a positive integer
 * @example
 * ```ts
 * const room = createLocalBroadcast<string>();
 * const inbox = yield* room.subscribe();
 * yield* room.publish("hello");
 * (yield* inbox.next()).value; // "hello"
 * ```
 */
export function createLocalBroadcast<T>(limit: number = SUBSCRIBER_BACKLOG): LocalBroadcast<T> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`createLocalBroadcast: the backlog limit must be a positive integer, not ${limit}`);
  }
  const inboxes = new Set<Inbox<T>>();

  function deliver(inbox: Inbox<T>, message: T): void {
    const taker = inbox.taker;
    if (taker) {
      inbox.taker = undefined;
      taker({ done: false, value: message });
    } else if (inbox.waiting.length < limit) {
      inbox.waiting.push(message);
    } else {
      inboxes.delete(inbox);
      inbox.cutOff(inbox.waiting.length + 1);
      inbox.waiting.length = 0;
    }
  }

  const subscribe: Stream<T, never> = resource<Subscription<T, never>>(function* (provide) {
    const cut = withResolvers<number>();
    const inbox: Inbox<T> = { waiting: [], taker: undefined, cutOff: cut.resolve };
    inboxes.add(inbox);
    try {
      yield* spawn(function* () {
        throw new SubscriberTooSlowError(yield* cut.operation);
      });
      yield* provide({
        *next() {
          if (inbox.waiting.length > 0) {
            // Checked non-empty just above.
            return { done: false, value: inbox.waiting.shift() as T };
          }
          return yield* action<IteratorResult<T, never>>((resolve) => {
            inbox.taker = resolve;
            return () => {
              if (inbox.taker === resolve) inbox.taker = undefined;
            };
          });
        },
      });
    } finally {
      inboxes.delete(inbox);
    }
  });

  return {
    *publish(message) {
      // deliver may remove the inbox it is given, which leaves the iteration intact.
      for (const inbox of inboxes) deliver(inbox, message);
      yield* nextTurn();
    },
    subscribe: () => subscribe,
    backlogs: () => [...inboxes].map((inbox) => inbox.waiting.length),
  };
}
