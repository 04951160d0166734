import { describe, expect, it } from "vitest";
import { run, sleep, suspend } from "effection";
import { armTimer, runInterruptible } from "./interruptible.js";

describe("runInterruptible", () => {
  it("returns done when the body returns first, and disarms its triggers", async () => {
    let disarmed = false;
    const outcome = await run(() =>
      runInterruptible(
        () => sleep(1),
        () => () => {
          disarmed = true;
        },
      ),
    );
    expect(outcome).toBe("done");
    expect(disarmed).toBe(true);
  });

  it("halts the body, running its cleanup, and returns the reason when interrupted", async () => {
    let cleaned = false;
    const outcome = await run(() =>
      runInterruptible(
        function* () {
          try {
            yield* suspend();
          } finally {
            cleaned = true;
          }
        },
        (interrupt: (reason: "timeout") => void) => armTimer(20, interrupt, "timeout"),
      ),
    );
    expect(outcome).toBe("timeout");
    expect(cleaned).toBe(true);
  });

  it("throws what the body throws", async () => {
    const failing = run(() =>
      runInterruptible(
        function* () {
          yield* sleep(1);
          throw new Error("broken");
        },
        () => () => {},
      ),
    );
    await expect(failing).rejects.toThrow("broken");
  });

  it("arms no timer for 0 or Infinity", async () => {
    const outcome = await run(() =>
      runInterruptible(
        () => sleep(30),
        (interrupt: (reason: "timeout") => void) => {
          const clearZero = armTimer(0, interrupt, "timeout");
          const clearInfinite = armTimer(Infinity, interrupt, "timeout");
          return () => {
            clearZero();
            clearInfinite();
          };
        },
      ),
    );
    expect(outcome).toBe("done");
  });
});
