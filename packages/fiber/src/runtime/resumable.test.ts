import { run, sleep, spawn, type Effect, type Operation } from "effection";
import { describe, expect, it } from "vitest";
import { Resumable, resumeIterator, type Resume } from "./resumable.js";

/** An iterator with only `next`: what a hand-written operation may be. */
function nextOnly(values: number[]): Iterator<number, string, unknown> {
  let at = 0;
  return { next: () => (at < values.length ? { done: false, value: values[at++] as number } : { done: true, value: "end" }) };
}

describe("resumeIterator", () => {
  it("resumes with a value, throws into the iterator, and halts it, as yield* does", () => {
    const seen: string[] = [];
    const iterator = (function* (): Generator<number, string, string> {
      try {
        seen.push(yield 1);
        yield 2;
      } catch (error) {
        seen.push(`caught ${(error as Error).message}`);
        yield 3;
      } finally {
        seen.push("cleanup");
      }
      return "over";
    })();
    expect(resumeIterator(iterator, "next", undefined)).toEqual({ done: false, value: 1 });
    expect(resumeIterator(iterator, "next", "hello")).toEqual({ done: false, value: 2 });
    expect(resumeIterator(iterator, "throw", new Error("boom"))).toEqual({ done: false, value: 3 });
    expect(resumeIterator(iterator, "return", undefined)).toEqual({ done: true, value: undefined });
    expect(seen).toEqual(["hello", "caught boom", "cleanup"]);
  });

  it("throws the error back out of an iterator that cannot take errors", () => {
    const error = new Error("not taken");
    expect(() => resumeIterator(nextOnly([1]), "throw", error)).toThrow(error);
  });

  it("ends an iterator that cannot be returned", () => {
    expect(resumeIterator(nextOnly([1, 2]), "return", undefined)).toEqual({ done: true, value: undefined });
  });
});

/** Counts to `to` one sleep at a time, recording each resumption as `resume` sees it. */
class Counter extends Resumable<number> {
  readonly resumptions: Resume[] = [];
  private count = 0;

  constructor(private readonly to: number) {
    super();
  }

  protected resume(how: Resume, value: unknown): IteratorResult<Effect<unknown>, number> {
    this.resumptions.push(how);
    if (how === "throw") throw value;
    if (how === "return" || this.count === this.to) return { done: true, value: this.count };
    this.count++;
    return { done: false, value: sleepEffect() };
  }
}

/** The single instruction of a 1 ms sleep. */
function sleepEffect(): Effect<unknown> {
  const first = sleep(1)[Symbol.iterator]().next();
  if (first.done) throw new Error("sleep gave no instruction");
  return first.value;
}

describe("Resumable", () => {
  it("runs as an operation, every resumption through resume()", async () => {
    const counter = new Counter(3);
    const result = await run(() => counter as Operation<number>);
    expect(result).toBe(3);
    expect(counter.resumptions).toEqual(["next", "next", "next", "next"]);
  });

  it("is returned when the task running it is halted", async () => {
    const counter = new Counter(1_000_000);
    await run(function* () {
      const task = yield* spawn(() => counter as Operation<number>);
      yield* sleep(5);
      yield* task.halt();
    });
    expect(counter.resumptions.at(-1)).toBe("return");
  });
});
