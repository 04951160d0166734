import { describe, expect, it } from "vitest";
import { run, scoped, spawn, suspend, withResolvers, type Operation, type Subscription, type Task } from "effection";
import { createLocalBroadcast, SUBSCRIBER_BACKLOG, SubscriberTooSlowError, type Broadcast } from "./broadcast.js";

/**
 * Start a subscriber in a task of its own and return once it has subscribed.
 * @returns the task, which returns what `body` returns, or the error that cut the subscriber off
 */
function* startSubscriber<T, R>(
  topic: Broadcast<T>,
  body: (inbox: Subscription<T, never>) => Operation<R>,
): Operation<Task<R | SubscriberTooSlowError>> {
  const subscribed = withResolvers<void>();
  const task = yield* spawn(function* () {
    try {
      return yield* scoped(function* () {
        const inbox = yield* topic.subscribe();
        subscribed.resolve();
        return yield* body(inbox);
      });
    } catch (error) {
      if (error instanceof SubscriberTooSlowError) return error;
      throw error;
    }
  });
  yield* subscribed.operation;
  return task;
}

/** A subscriber that never takes anything. */
function* neverTake(): Operation<void> {
  yield* suspend();
}

/** A subscriber that takes `count` messages as they come. */
function take(count: number) {
  return function* <T>(inbox: Subscription<T, never>): Operation<T[]> {
    const values: T[] = [];
    while (values.length < count) values.push((yield* inbox.next()).value);
    return values;
  };
}

describe("createLocalBroadcast", () => {
  it("delivers each message, in order, to every subscriber", async () => {
    const received = await run(function* () {
      const topic = createLocalBroadcast<number>();
      const first = yield* topic.subscribe();
      const second = yield* topic.subscribe();
      yield* topic.publish(1);
      yield* topic.publish(2);
      const values: number[] = [];
      for (const subscription of [first, second, first, second]) {
        values.push((yield* subscription.next()).value);
      }
      return values;
    });
    expect(received).toEqual([1, 1, 2, 2]);
  });

  it("gives a subscriber only what was published after it subscribed", async () => {
    const value = await run(function* () {
      const topic = createLocalBroadcast<string>();
      yield* topic.publish("too early");
      const late = yield* topic.subscribe();
      yield* topic.publish("in time");
      return (yield* late.next()).value;
    });
    expect(value).toBe("in time");
  });

  it("keeps at most the limit for a subscriber that does not take, then cuts it off with SubscriberTooSlowError", async () => {
    const { error, backlogs } = await run(function* () {
      const topic = createLocalBroadcast<number>(3);
      const slow = yield* startSubscriber(topic, neverTake);
      const backlogs: number[][] = [];
      for (let n = 1; n <= 5; n++) {
        yield* topic.publish(n);
        backlogs.push(topic.backlogs());
      }
      return { error: yield* slow, backlogs };
    });
    expect(backlogs).toEqual([[1], [2], [3], [], []]);
    expect(error).toBeInstanceOf(SubscriberTooSlowError);
    expect((error as SubscriberTooSlowError).behind).toBe(4);
  });

  it("halts what the cut-off subscriber's scope was waiting for, and lets every other subscriber receive every message in order", async () => {
    const { error, fast } = await run(function* () {
      const topic = createLocalBroadcast<number>(2);
      const slow = yield* startSubscriber(topic, neverTake);
      const reader = yield* startSubscriber(topic, take(10));
      for (let n = 1; n <= 10; n++) yield* topic.publish(n);
      return { error: yield* slow, fast: yield* reader };
    });
    expect(error).toBeInstanceOf(SubscriberTooSlowError);
    expect(fast).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("keeps every subscriber that takes messages as they come, even when a burst far past the limit is published", async () => {
    const count = SUBSCRIBER_BACKLOG * 4;
    const received = await run(function* () {
      const topic = createLocalBroadcast<number>();
      const reader = yield* startSubscriber(topic, take(count));
      for (let n = 0; n < count; n++) yield* topic.publish(n);
      return yield* reader;
    });
    expect(received).toEqual(Array.from({ length: count }, (_, index) => index));
  });

  it("drops a subscription's backlog when its scope ends", async () => {
    const afterLeaving = await run(function* () {
      const topic = createLocalBroadcast<string>();
      yield* scoped(function* () {
        yield* topic.subscribe();
        yield* topic.publish("unread");
        expect(topic.backlogs()).toEqual([1]);
      });
      return topic.backlogs();
    });
    expect(afterLeaving).toEqual([]);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => createLocalBroadcast(0)).toThrow(RangeError);
    expect(() => createLocalBroadcast(1.5)).toThrow(RangeError);
  });
});
