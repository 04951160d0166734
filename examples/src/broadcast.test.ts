import { describe, expect, it } from "vitest";
import { run } from "effection";
import { createLocalBroadcast } from "./broadcast.js";

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
        const next = yield* subscription.next();
        if (!next.done) values.push(next.value);
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
});
