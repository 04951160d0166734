import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "./clock.js";

const DAY = 24 * 3600 * 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the system clock's timers", () => {
  it("fire in due order, each once, with its target", () => {
    const fired: string[] = [];
    const record = (name: string) => fired.push(name);
    systemClock.setTimer(record, 30, "third");
    systemClock.setTimer(record, 10, "first");
    systemClock.setTimer(record, 20, "second");
    systemClock.setTimer(record, 20, "second, set later");
    vi.advanceTimersByTime(15);
    expect(fired).toEqual(["first"]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(["first", "second", "second, set later", "third"]);
  });

  it("fire a timer longer than Node's longest delay (~24.8 days) when it is due, not at once", () => {
    // Node fires a longer delay after 1 ms; the fake timers do not, so the delays asked are checked.
    const delays = vi.spyOn(globalThis, "setTimeout");
    const fired: number[] = [];
    const days = 30;
    systemClock.setTimer(() => fired.push(Date.now()), days * DAY, null);
    expect(delays.mock.lastCall?.[1]).toBe(2 ** 31 - 1);
    const start = Date.now();
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(days * DAY - 1001);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([start + days * DAY]);
    expect(vi.getTimerCount()).toBe(0);
    for (const [, delay] of delays.mock.calls) expect(delay).toBeLessThanOrEqual(2 ** 31 - 1);
    delays.mockRestore();
  });

  it("keep their deadlines when the wall clock is set forward", () => {
    const fired: string[] = [];
    systemClock.setTimer((name: string) => fired.push(name), 1000, "soon");
    systemClock.setTimer((name: string) => fired.push(name), 60_000, "in a minute");
    vi.setSystemTime(Date.now() + 3600_000); // an NTP step of an hour
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(["soon"]);
    vi.advanceTimersByTime(59_000);
    expect(fired).toEqual(["soon", "in a minute"]);
  });

  it("never fire once cleared, and clearing a fired timer does nothing", () => {
    const fired: number[] = [];
    const early = systemClock.setTimer((n: number) => fired.push(n), 10, 1);
    const late = systemClock.setTimer((n: number) => fired.push(n), 20, 2);
    systemClock.clearTimer(early);
    vi.advanceTimersByTime(25);
    systemClock.clearTimer(late);
    expect(fired).toEqual([2]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keep one Node timer for any number of connection timers, none once all are cleared", () => {
    const timers = Array.from({ length: 1000 }, (_, i) => systemClock.setTimer(() => {}, 1000 + i, i));
    expect(vi.getTimerCount()).toBe(1);
    for (const timer of timers) systemClock.clearTimer(timer);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("go on firing the others when one callback throws", () => {
    const fired: string[] = [];
    systemClock.setTimer(() => {
      throw new Error("broken callback");
    }, 10, null);
    systemClock.setTimer(() => fired.push("later"), 20, null);
    expect(() => vi.advanceTimersByTime(15)).toThrow("broken callback");
    vi.advanceTimersByTime(10);
    expect(fired).toEqual(["later"]);
  });

  it("let a callback set the next timer", () => {
    const fired: number[] = [];
    const tick = (n: number) => {
      fired.push(n);
      if (n < 3) systemClock.setTimer(tick, 10, n + 1);
    };
    systemClock.setTimer(tick, 10, 1);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([1, 2, 3]);
  });
});
