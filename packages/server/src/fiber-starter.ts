// Starting the server's fibers from event callbacks: one long-lived task spawns them all.
import { action, all, spawn, until, type Operation } from "effection";
import { rGetFiberStats, spawnFiber, type Fiber } from "@fiberws/fiber";
import { logFailure } from "./log-failure.js";

/** A request or upgrade waiting for its fiber. */
interface FiberJob {
  readonly name: string;
  readonly body: () => Operation<void>;
  readonly refuse: () => Operation<void>;
}

/**
 * Spawns the server's fibers (one per request or WebSocket) for the callbacks of `node:http`,
 * which run outside effection. One long-lived task, {@link FiberStarter.run}, spawns every
 * fiber as its child, so a connection costs its fiber alone and not also a task that starts
 * it and waits for it (an effection task holds ~11 KB while a connection is idle). Fibers that
 * return leave their parent at once; only shutdown halts them.
 */
export class FiberStarter {
  private jobs: FiberJob[] = [];
  private wake: (() => void) | undefined = undefined;
  private readonly live = new Set<Fiber>();
  private idleWaiters: (() => void)[] = [];

  /** @param queueTimeout how long (ms) a fiber may wait for a slot past the fiber cap; 0 = forever. */
  constructor(readonly queueTimeout: number) {}

  /** The fibers started and not yet ended. */
  get running(): number {
    return this.live.size;
  }

  /**
   * Start a fiber for `body` as soon as the spawning task runs (in this turn). A failure of
   * `body` is logged with the fiber's name and goes no further.
   * @param name the fiber's name, for example `GET /index.html`.
   * @param body what the fiber runs.
   * @param refuse what runs instead when, past the fiber cap, no slot came within the queue
   * timeout (it answers 503).
   */
  start(name: string, body: () => Operation<void>, refuse: () => Operation<void>): void {
    this.jobs.push({ name, body, refuse });
    const wake = this.wake;
    if (wake) {
      this.wake = undefined;
      wake();
    }
  }

  /**
   * The spawning task's body: spawn each job's fiber as it comes, until the task is halted
   * (which halts the fibers still running).
   */
  *run(): Operation<void> {
    for (;;) {
      if (this.jobs.length === 0) {
        yield* action<void>((resolve) => {
          this.wake = resolve;
          return () => (this.wake = undefined);
        });
      }
      const jobs = this.jobs;
      this.jobs = [];
      for (const job of jobs) yield* this.spawnJob(job);
    }
  }

  /** Wait until every fiber started so far has ended (at once if none runs). */
  *whenIdle(): Operation<void> {
    while (this.live.size > 0 || this.jobs.length > 0) {
      yield* action<void>((resolve) => {
        this.idleWaiters.push(resolve);
        return () => {
          const at = this.idleWaiters.indexOf(resolve);
          if (at >= 0) this.idleWaiters.splice(at, 1);
        };
      });
    }
  }

  /** Halt every fiber still running, all at once, and wait for their cleanup. */
  *haltAll(): Operation<void> {
    yield* all([...this.live].map((fiber) => until(fiber.halt())));
  }

  private *spawnJob(job: FiberJob): Operation<void> {
    // The fiber keeps its body alone for a connection's whole life: no wrapper generator, and
    // not the job with its refusal. The runtime logs a failure with the fiber's name.
    const fiber = yield* spawnFiber(job.name, job.body, { queueTimeout: this.queueTimeout, onEnd: this.onFiberEnd });
    this.live.add(fiber);
    // Past a fiber cap the fiber may give up waiting and never run: a short-lived task sees
    // to its refusal. Without a cap every fiber starts, and no such task is needed.
    if (rGetFiberStats().max !== Infinity) yield* spawn(() => this.refuseIfExpired(fiber, job));
  }

  private *refuseIfExpired(fiber: Fiber, job: FiberJob): Operation<void> {
    if (yield* fiber.started()) return;
    try {
      yield* job.refuse();
    } catch (error) {
      logFailure(job.name, error);
    }
  }

  private readonly onFiberEnd = (fiber: Fiber): void => this.ended(fiber);

  private ended(fiber: Fiber): void {
    this.live.delete(fiber);
    if (this.live.size > 0 || this.jobs.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
