// Starting the server's fibers from event callbacks, under the server's scope.
import { action, all, until, type Operation, type Scope } from "effection";
import { rGetFiberStats, spawnFiberIn, type Fiber } from "@fiberws/fiber";
import { logFailure } from "./log-failure.js";

/**
 * Spawns the server's fibers (one per request or WebSocket) for the callbacks of `node:http`,
 * which run outside effection: each fiber starts inside the callback, under the server's scope.
 * Fibers that return leave that scope at once; only shutdown halts them.
 */
export class FiberStarter {
  private readonly live = new Set<Fiber>();
  private idleWaiters: (() => void)[] = [];

  /**
   * @param scope the owner of every fiber started (the server's scope).
   * @param queueTimeout how long (ms) a fiber may wait for a slot past the fiber cap; 0 = forever.
   */
  constructor(
    private readonly scope: Scope,
    readonly queueTimeout: number,
  ) {}

  /** The fibers started and not yet ended. */
  get running(): number {
    return this.live.size;
  }

  /**
   * Start a fiber for `body` now, inside this call. A failure of `body` is logged with the
   * fiber's name and goes no further.
   * @param name the fiber's name, for example `GET /index.html`.
   * @param body what the fiber runs.
   * @param refuse what runs instead when, past the fiber cap, no slot came within the queue
   * timeout (it answers 503).
   */
  start(name: string, body: () => Operation<void>, refuse: () => Operation<void>): void {
    // The fiber keeps its body alone for a connection's whole life: no wrapper generator, and
    // not the refusal. The runtime logs a failure with the fiber's name.
    const fiber = spawnFiberIn(this.scope, name, body, { queueTimeout: this.queueTimeout, onEnd: this.onFiberEnd });
    // A body that never waits has already ended (and told onEnd) by now.
    if (fiber.state === "queued" || fiber.state === "running") this.live.add(fiber);
    // Past a fiber cap the fiber may give up waiting and never run: a short-lived task sees
    // to its refusal. Without a cap every fiber starts, and no such task is needed.
    if (rGetFiberStats().max !== Infinity) this.scope.run(() => this.refuseIfExpired(fiber, name, refuse));
  }

  /** Wait until every fiber started so far has ended (at once if none runs). */
  *whenIdle(): Operation<void> {
    while (this.live.size > 0) {
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

  private *refuseIfExpired(fiber: Fiber, name: string, refuse: () => Operation<void>): Operation<void> {
    if (yield* fiber.started()) return;
    try {
      yield* refuse();
    } catch (error) {
      logFailure(name, error);
    }
  }

  private readonly onFiberEnd = (fiber: Fiber): void => this.ended(fiber);

  private ended(fiber: Fiber): void {
    this.live.delete(fiber);
    if (this.live.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
