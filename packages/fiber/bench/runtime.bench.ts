// The fiber runtime beside the same work written with effection primitives: speed and memory.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { action, run, scoped, sleep, spawn, suspend, withResolvers } from "effection";
import type { Operation } from "effection";
import { bench, describe } from "vitest";
import {
  rInit,
  rStartEvent,
  rStop,
  resumeFiber,
  spawnFiber,
  yieldFiber,
} from "../src/runtime/mod.js";

/** Scale the work down on a busy machine: FIBERWS_BENCH_SCALE=0.1 runs a tenth of it. */
const scale = Number(process.env.FIBERWS_BENCH_SCALE ?? 1);
const FIBERS = Math.round(100_000 * scale);
const HANDOFFS = Math.round(1_000_000 * scale);
const EVENTS = Math.round(100_000 * scale);
const once = { iterations: 3, time: 0, warmupIterations: 1, warmupTime: 0 };

/** Spawn `count` bodies with `spawnOne` and wait until every one has finished. */
function* spawnAll(count: number, spawnOne: (body: () => Operation<void>) => Operation<unknown>) {
  const all = withResolvers<void>();
  let finished = 0;
  const body = function* (): Operation<void> {
    if (++finished === count) all.resolve();
  };
  for (let i = 0; i < count; i++) yield* spawnOne(body);
  yield* all.operation;
}

describe(`spawn and finish ${FIBERS.toLocaleString("en")} fibers`, () => {
  bench("fiberws spawnFiber", () => run(() => spawnAll(FIBERS, (body) => spawnFiber("f", body))), once);
  bench("effection spawn", () => run(() => spawnAll(FIBERS, (body) => spawn(body))), once);
  bench(
    "effection spawn + scoped error boundary",
    () =>
      run(() =>
        spawnAll(FIBERS, (body) =>
          spawn(function* () {
            try {
              yield* scoped(body);
            } catch {
              // contained, as the design asks of every connection
            }
          }),
        ),
      ),
    once,
  );
});

describe(`${HANDOFFS.toLocaleString("en")} yield/resume hand-offs`, () => {
  bench(
    "fiberws resumeFiber/yieldFiber",
    () =>
      run(function* () {
        const echo = yield* spawnFiber("echo", function* () {
          let value = yield* yieldFiber();
          for (;;) value = yield* yieldFiber(value);
        });
        for (let i = 0; i < HANDOFFS; i++) yield* resumeFiber(echo, i);
      }),
    once,
  );
  bench(
    "effection action resolvers",
    () =>
      run(function* () {
        let parked: ((value: number) => void) | undefined;
        let reply: ((value: number) => void) | undefined;
        yield* spawn(function* () {
          let value = yield* action<number>((resolve) => ((parked = resolve), () => {}));
          for (;;) {
            const answer = reply;
            value = yield* action<number>((resolve) => {
              parked = resolve;
              answer?.(value);
              return () => {};
            });
          }
        });
        yield* sleep(0);
        for (let i = 0; i < HANDOFFS; i++) {
          yield* action<number>((resolve) => {
            reply = resolve;
            parked?.(i);
            return () => {};
          });
        }
      }),
    once,
  );
});

describe(`${EVENTS.toLocaleString("en")} events`, () => {
  bench(
    "fiberws rStartEvent",
    async () => {
      const all = withResolvers<void>();
      let ran = 0;
      const onEvent = () => {
        if (++ran === EVENTS) all.resolve();
      };
      rInit(() => {
        for (let i = 0; i < EVENTS; i++) rStartEvent(onEvent, i, 0);
      }, null);
      await run(() => all.operation);
      await rStop();
    },
    once,
  );
  bench(
    "effection spawn + sleep",
    () =>
      run(function* () {
        const all = withResolvers<void>();
        let ran = 0;
        for (let i = 0; i < EVENTS; i++) {
          yield* spawn(function* () {
            yield* sleep(0);
            if (++ran === EVENTS) all.resolve();
          });
        }
        yield* all.operation;
      }),
    once,
  );
});

describe("memory per live fiber", () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const LIVE = 10_000;
  const perTask = (spawnOne: () => Operation<unknown>) =>
    run(function* () {
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < LIVE; i++) yield* spawnOne();
      yield* sleep(1);
      gc();
      return (process.memoryUsage().heapUsed - before) / LIVE;
    });
  bench(
    `heap bytes per suspended fiber (${LIVE.toLocaleString("en")} live), printed`,
    async () => {
      const fiber = await perTask(() => spawnFiber("live", suspend));
      const task = await perTask(() => spawn(suspend));
      console.log(`bytes per live fiber: fiberws ${Math.round(fiber)}, effection task ${Math.round(task)}`);
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
