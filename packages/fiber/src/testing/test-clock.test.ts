import { describe, expect, it } from "vitest";
import { TestClock } from "./test-clock.js";
import { scopedTest } from "./scoped-test.js";

describe("TestClock", () => {
  it("fires due timers in order of due time, with the clock at each one's time", scopedTest(function* () {
    const clock = new TestClock(100);
    const fired: string[] = [];
    clock.setTimer((name) => fired.push(`${name}@${clock.now()}`), 50, "b");
    clock.setTimer((name) => fired.push(`${name}@${clock.now()}`), 10, "a");
    const cancelled = clock.setTimer((name) => fired.push(name), 20, "never");
    clock.setTimer((name) => fired.push(name), 500, "later");
    clock.clearTimer(cancelled);
    yield* clock.advance(60);
    expect(fired).toEqual(["a@110", "b@150"]);
    expect(clock.now()).toBe(160);
    expect(clock.pending).toBe(1);
  }));

  it("fires a timer set by a firing timer within the same advance", scopedTest(function* () {
    const clock = new TestClock();
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 10, null);
    }, 10, null);
    yield* clock.advance(25);
    expect(fired).toEqual([10, 20]);
  }));
});
