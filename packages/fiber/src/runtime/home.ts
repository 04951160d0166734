// A fiber home: the scope that owns the fibers spawned under one scope, their carriers, and
// their hibernation.
import { createScope, suspend, until } from "effection";
import type { Operation, Scope } from "effection";
import { Carrier, type CarrierPool } from "./carrier.js";
import { ErrorBoundaryContext, type ErrorBoundary } from "./error-boundary.js";
import type { FiberRecord } from "./fiber.js";
import type { IdleWait } from "./hibernate.js";
import { fiberPool } from "./limits.js";

/**
 * How often (ms) a home looks for fibers idle long enough to hibernate. A fiber hibernates
 * between `hibernateAfter` and `hibernateAfter` + this after its wait began.
 */
export const HIBERNATION_SWEEP_MS = 50;

/**
 * Idle carriers kept in the whole process, all homes together (homes nest: a fiber that spawns
 * fibers has one); a carrier that finds no room ends. Each costs ~10 KB of live heap while idle.
 * 8 serve a churn of short connections by 8 parallel loops (measured: 32 kept ~250 KB more
 * alive for no more reuse, enough to lift the example server's live heap over V8's 8 MB
 * incremental-marking threshold; see docs/BENCHMARKS.md).
 */
export const MAX_IDLE_CARRIERS = 8;

/**
 * The scope that owns the fibers spawned under one scope (a child of it whose error boundary
 * logs instead of failing the spawner): the carriers their stints run on, a pool of the idle
 * ones, and the bookkeeping of hibernation: fibers idle on their carrier, swept every
 * {@link HIBERNATION_SWEEP_MS} while there are any, and fibers hibernating with no carrier,
 * halted when the home ends.
 */
export class FiberHome implements CarrierPool {
  /** The owner of the carriers. */
  readonly scope: Scope;
  /** Idle carriers, the most recently idle last. */
  private readonly carriers: Carrier[] = [];
  /** Idle waits of fibers waiting on their carrier, with the sweep count when each began. */
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

  /**
   * Run `fiber`'s next stint (its start, or its wake-up or halt out of hibernation) on the
   * carrier idle the shortest time, or on a new carrier if none is idle.
   */
  carry(fiber: FiberRecord): void {
    const carrier = this.carriers.pop();
    if (carrier === undefined) {
      Carrier.launch((body) => this.scope.run(body), this, fiber);
      return;
    }
    fiberPool.idleCarriers--;
    carrier.take(fiber);
  }

  /**
   * Keep an idle carrier, unless the home is ending or the process keeps
   * {@link MAX_IDLE_CARRIERS} already.
   * @returns whether the carrier was kept
   */
  park(carrier: Carrier): boolean {
    if (this.closed || fiberPool.idleCarriers >= MAX_IDLE_CARRIERS) return false;
    this.carriers.push(carrier);
    fiberPool.idleCarriers++;
    return true;
  }

  /** An idle carrier ended (the home is ending). */
  drop(carrier: Carrier): void {
    const at = this.carriers.lastIndexOf(carrier);
    if (at < 0) return;
    this.carriers.splice(at, 1);
    fiberPool.idleCarriers--;
  }

  /** A fiber began waiting in `wait`, on its carrier. */
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
