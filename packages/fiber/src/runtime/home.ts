// A fiber home: the scope that owns the fibers spawned under one scope, and their hibernation.
import { createScope, suspend, until } from "effection";
import type { Operation, Scope } from "effection";
import { ErrorBoundaryContext, type ErrorBoundary } from "./error-boundary.js";
import type { FiberRecord } from "./fiber.js";
import type { IdleWait } from "./hibernate.js";

/**
 * How often (ms) a home looks for fibers idle long enough to hibernate. A fiber hibernates
 * between `hibernateAfter` and `hibernateAfter` + this after its wait began.
 */
export const HIBERNATION_SWEEP_MS = 50;

/**
 * The scope that owns the fibers spawned under one scope (a child of it whose error boundary
 * logs instead of failing the spawner), with the bookkeeping of their hibernation: fibers idle
 * in their task, swept every {@link HIBERNATION_SWEEP_MS} while there are any, and fibers
 * hibernating with no task, halted when the home ends.
 */
export class FiberHome {
  /** The owner of the fibers' tasks, and of the tasks that resume hibernated fibers. */
  readonly scope: Scope;
  /** Idle waits of fibers waiting in their own task, with the sweep count when each began. */
  private readonly idle = new Map<IdleWait, number>();
  /** Fibers hibernating: no task, their body suspended in an idle wait. */
  readonly hibernating = new Set<FiberRecord>();
  private sweeps = 0;
  private sweeper: ReturnType<typeof setInterval> | undefined = undefined;
  private closed = false;

  /**
   * @param parent - the spawner's scope
   * @param boundary - where failures of the fibers' teardown are reported
   */
  constructor(parent: Scope, boundary: ErrorBoundary) {
    const [scope] = createScope(parent);
    scope.set(ErrorBoundaryContext, boundary);
    this.scope = scope;
    // The keeper: the home's first task, so halted last when the home ends. Its cleanup stops
    // the sweeps and halts the hibernating fibers (they have no task of their own to halt).
    scope.run(() => this.keep());
  }

  /** A fiber began waiting in `wait`, in its own task. */
  idleStarted(wait: IdleWait): void {
    if (this.closed) return;
    this.idle.set(wait, this.sweeps);
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweep(), HIBERNATION_SWEEP_MS);
      // Idle fibers alone do not keep the process alive: their sockets or timers do.
      this.sweeper.unref();
    }
  }

  /** The idle wait ended (woken, halted, or hibernating). */
  idleEnded(wait: IdleWait): void {
    this.idle.delete(wait);
  }

  /**
   * Hibernate each fiber that has waited long enough and holds nothing in its task. One that
   * holds something (a child task, say) is left to wait in its task and not asked again
   * until its next wait.
   */
  private sweep(): void {
    const sweeps = ++this.sweeps;
    for (const [wait, since] of this.idle) {
      // Waiting since after sweep `since`: at least (sweeps - since - 1) sweep periods.
      if ((sweeps - since - 1) * HIBERNATION_SWEEP_MS < wait.hibernateAfter) continue;
      if (wait.fiber?.canHibernate()) wait.hibernate();
      else this.idle.delete(wait);
    }
    if (this.idle.size === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private *keep(): Operation<void> {
    try {
      yield* suspend();
    } finally {
      this.closed = true;
      this.stopSweeping();
      this.idle.clear();
      yield* until(Promise.all([...this.hibernating].map((fiber) => fiber.halt())));
    }
  }
}
