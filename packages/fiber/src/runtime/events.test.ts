import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { rLookupEvent, rRunEvent, rStartEvent, rStopEvent } from "./events.js";
import { rGetFiber } from "./fiber.js";
import { rInit, rStop } from "./runtime.js";

beforeEach(() => {
  vi.useFakeTimers();
  rInit(() => {}, null);
});
afterEach(async () => {
  await rStop();
  vi.useRealTimers();
});

describe("events", () => {
  it("runs events by due time, and equal delays in the order they were scheduled", async () => {
    const ran: string[] = [];
    const record = (label: string) => void ran.push(label);
    rStartEvent(record, "b1", 20);
    rStartEvent(record, "a", 10);
    rStartEvent(record, "b2", 20);
    rStartEvent(record, "b3", 20);
    rStartEvent(record, "now", 0);
    await vi.advanceTimersByTimeAsync(9);
    expect(ran).toEqual(["now"]);
    await vi.advanceTimersByTimeAsync(11);
    expect(ran).toEqual(["now", "a", "b1", "b2", "b3"]);
  });

  it("runs each event in its own fiber", async () => {
    const names: (string | undefined)[] = [];
    rStartEvent(
      function* () {
        names.push((yield* rGetFiber())?.name);
      },
      null,
      5,
    );
    await vi.advanceTimersByTimeAsync(5);
    expect(names).toEqual(["event"]);
  });

  it("never runs an event stopped before it fires", async () => {
    let ran = false;
    const id = rStartEvent(() => void (ran = true), null, 10);
    expect(rLookupEvent(id)).toEqual({ id, due: Date.now() + 10 });
    expect(rStopEvent(id)).toBe(true);
    expect(rLookupEvent(id)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(50);
    expect(ran).toBe(false);
  });

  it("reports false when stopping an event that already fired", async () => {
    let runs = 0;
    const id = rStartEvent(() => void runs++, null, 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toBe(1);
    expect(rStopEvent(id)).toBe(false);
    expect(rLookupEvent(id)).toBeUndefined();
  });

  it("lets one event stop another due at the same time", async () => {
    const ran: string[] = [];
    let secondId = 0;
    rStartEvent(() => void (ran.push("first"), rStopEvent(secondId)), null, 10);
    secondId = rStartEvent(() => void ran.push("second"), null, 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(ran).toEqual(["first"]);
  });

  it("runs a pending event at once with rRunEvent, and only once", async () => {
    let runs = 0;
    const id = rStartEvent(() => void runs++, null, 1000);
    expect(rRunEvent(id)).toBe(true);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    expect(rRunEvent(id)).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(1);
  });

  it("cancels pending events when the runtime stops", async () => {
    let ran = false;
    rStartEvent(() => void (ran = true), null, 10);
    await rStop();
    rInit(() => {}, null);
    await vi.advanceTimersByTimeAsync(50);
    expect(ran).toBe(false);
  });

  it("rejects a negative delay", () => {
    expect(() => rStartEvent(() => {}, null, -1)).toThrow(RangeError);
  });
});
