// A fiber: a named, counted body run by effection tasks (carriers), capped, containing its failure.
import { action, useScope } from "effection";
import type { Operation, Scope } from "effection";
import type { Carrier } from "./carrier.js";
import type { ErrorBoundary } from "./error-boundary.js";
import { FiberContext } from "./fiber-context.js";
import { FiberRun } from "./fiber-run.js";
import type { Handoff } from "./handoff.js";
import { FiberDriver, taskHoldsNothing, type IdleWait } from "./hibernate.js";
import { FiberHome } from "./home.js";
import { fiberPool } from "./limits.js";
import type { SlotWaiter } from "./limits.js";
import { rError } from "./log.js";

/**
 * Where a fiber is in its life: `queued` (spawned, not yet running: waiting for its turn or a
 * slot), `running`, then one of `done` (returned), `failed` (threw; logged), `halted` (stopped
 * from outside; its cleanup ran) or `expired` (gave up waiting for a slot; never ran).
 */
export type FiberState = "queued" | "running" | "done" | "failed" | "halted" | "expired";

/** A fiber as its spawner and the code inside it see it. */
export interface Fiber {
  /** Unique in this process, increasing in spawn order. */
  readonly id: number;
  /** The name given at spawn; used in logs. */
  readonly name: string;
  /** Its state now. */
  readonly state: FiberState;
  /** True for the main fiber started by `rInit`. */
  readonly main: boolean;
  /**
   * True while the fiber hibernates: idle in a wait that allows it (a WebSocket connection
   * waiting for input), it holds no effection task; the wake-up resumes it on a carrier.
   */
  readonly hibernating: boolean;
  /**
   * Wait until the fiber has left the queue.
   * @returns true once it runs (or has run); false if it expired or was halted before running
   */
  started(): Operation<boolean>;
  /**
   * Stop the fiber from outside; its `finally` blocks run. Prefer letting fibers return:
   * a halted child stays referenced by its parent until the parent ends.
   * @returns a promise that settles when the fiber's cleanup has finished
   */
  halt(): Promise<void>;
}

/** Options of {@link spawnFiber}. */
export interface SpawnFiberOptions {
  /**
   * How long (ms) the fiber may wait in the queue for a slot before it gives up: it then never
   * runs, its state is `expired` and `started()` returns false. 0 (the default) waits forever.
   */
  queueTimeout?: number;
  /**
   * Called once when the fiber ends, however it ends (returned, failed, halted or expired),
   * after its cleanup ran. It must not throw.
   */
  onEnd?: (fiber: Fiber) => void;
}

/** Fibers spawned and not yet ended (for `rStop`); a fiber leaves it the moment it ends. */
export const liveFibers = new Set<FiberRecord>();

let nextId = 1;

/** The runtime's side of a fiber: its carrier, its slot, and who waits on it. */
export class FiberRecord implements Fiber, SlotWaiter, ErrorBoundary {
  state: FiberState = "queued";
  /** The carrier the fiber runs on or was handed to; undefined while it hibernates and after it ended. */
  carrier: Carrier | undefined;
  /** Halted before its carrier took it up: its stint begins by halting it. */
  haltPending = false;
  hasSlot = false;
  /** Yield/resume bookkeeping, created by the first hand-off that needs it. */
  handoff: Handoff | undefined;
  /** Steps the fiber's body through each of its stints. */
  driver: FiberDriver | undefined;
  /** The wait the fiber hibernates in; undefined while it has a carrier. */
  private hibernatedIn: IdleWait | undefined;
  /** Told when the fiber ends (see {@link SpawnFiberOptions.onEnd}). */
  onEnd: ((fiber: Fiber) => void) | undefined;
  private wake: ((admitted: boolean) => void) | undefined;
  private startWaiters: ((started: boolean) => void)[] | undefined;
  private endWaiters: (() => void)[] | undefined;
  private ran = false;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly main: boolean,
    readonly home: FiberHome,
  ) {}

  admit(): void {
    this.hasSlot = true;
    this.wake?.(true);
  }

  *started(): Operation<boolean> {
    if (this.state !== "queued") return this.ran;
    return yield* action<boolean>((resolve) => {
      const waiters = (this.startWaiters ??= []);
      waiters.push(resolve);
      return () => {
        const index = waiters.indexOf(resolve);
        if (index >= 0) waiters.splice(index, 1);
      };
    });
  }

  /** The scope of the carrier the fiber runs on; undefined while it hibernates and after it ended. */
  get scope(): Scope | undefined {
    return this.carrier?.scope;
  }

  get hibernating(): boolean {
    return this.hibernatedIn !== undefined;
  }

  halt(): Promise<void> {
    if (this.state !== "queued" && this.state !== "running") return Promise.resolve();
    const ended = new Promise<void>((resolve) => (this.endWaiters ??= []).push(resolve));
    // Hibernating, it has no carrier to halt: one returns the body, running its cleanup to its
    // end (that carrier is critical, so a later halt does not cut it short).
    if (this.hibernating) this.resumeFromHibernation("halt");
    else this.carrier?.halt(this);
    return ended;
  }

  /**
   * The fiber began waiting in `wait` on its carrier: its home may hibernate it, unless the
   * fiber is being halted.
   * @returns true if the wait counts as idle (the wait then tells the home when it ends)
   */
  idleStarted(wait: IdleWait): boolean {
    if (this.driver?.halting) return false;
    this.home.idleStarted(wait);
    return true;
  }

  /** Whether the fiber runs and its carrier holds nothing its body would miss if it left. */
  canHibernate(): boolean {
    const scope = this.scope;
    return this.state === "running" && !this.driver?.halting && scope !== undefined && taskHoldsNothing(scope);
  }

  /**
   * The fiber's body asks to hibernate in `wait`: allowed while it runs and its carrier holds
   * nothing the body would miss. The stint then ends and the wait's wake-up resumes the body.
   * @returns true if the fiber hibernates (its driver ends the stint)
   */
  tryHibernate(wait: IdleWait): boolean {
    if (!this.canHibernate()) return false;
    this.carrier = undefined;
    this.hibernatedIn = wait;
    this.home.hibernating.add(this);
    fiberPool.hibernating++;
    wait.hibernated(this);
    return true;
  }

  /**
   * Run the hibernating fiber on a carrier: its body resumes at its wait (`wake`) or
   * returns, running its cleanup (`halt`).
   */
  resumeFromHibernation(resumption: "wake" | "halt"): void {
    const wait = this.hibernatedIn;
    if (wait === undefined) return;
    this.hibernatedIn = undefined;
    this.home.hibernating.delete(this);
    fiberPool.hibernating--;
    if (resumption === "halt") wait.abandon();
    (this.driver as FiberDriver).prepare(resumption); // the driver exists once the fiber ran
    this.home.carry(this);
  }

  /**
   * The fiber was halted before its stint began (see {@link FiberRecord.haltPending}). One that
   * never ran ends now; a hibernated one is to return its body in that stint.
   * @returns true if the stint is to run (returning the body)
   */
  haltBeforeStint(): boolean {
    this.haltPending = false;
    const driver = this.driver as FiberDriver; // the driver exists until the fiber ends
    if (driver.resumption === "start") {
      this.end();
      return false;
    }
    driver.prepare("halt");
    return true;
  }

  /**
   * The carrier handed this fiber's next stint was halted before taking it up: the fiber is
   * halted too. One that never ran ends; a hibernated one returns its body on another carrier.
   */
  carrierHalted(): void {
    this.carrier = undefined;
    if (this.haltBeforeStint()) this.home.carry(this);
  }

  /** Wait for a slot in FIFO order, up to `timeout` ms (0 = forever). */
  waitForSlot(timeout: number): Operation<boolean> {
    return action<boolean>((resolve) => {
      if (this.hasSlot) {
        resolve(true);
        return () => {};
      }
      this.wake = resolve;
      const expire = () => {
        fiberPool.cancel(this);
        resolve(false);
      };
      const timer = timeout > 0 ? setTimeout(expire, timeout) : undefined;
      return () => {
        this.wake = undefined;
        clearTimeout(timer);
      };
    });
  }

  /** Mark the fiber running and tell whoever waits for its start. */
  begin(): void {
    this.state = "running";
    this.ran = true;
    this.notifyStart(true);
  }

  /** Log the fiber's failure with its name and mark it failed. */
  fail(error: unknown): void {
    this.state = "failed";
    rError("fiber", "fiber %s (#%d) failed: %s", this.name, this.id, describe(error));
  }

  /**
   * The fiber's error boundary: a task the fiber spawned failed. The fiber fails with it (logged)
   * and is halted, its cleanup running, as a `scoped()` boundary would do; nothing goes further.
   */
  raise(error: unknown): void {
    if (this.state !== "running") return;
    this.fail(error);
    this.carrier?.halt(this);
  }

  /** Settle the fiber's bookkeeping when its body ends, whatever the reason. */
  end(): void {
    if (this.state === "queued" || this.state === "running") this.state = "halted";
    if (this.hasSlot) {
      this.hasSlot = false;
      fiberPool.release(this.state === "failed");
    } else {
      fiberPool.cancel(this);
    }
    liveFibers.delete(this);
    this.notifyStart(this.ran);
    this.handoff?.end();
    const carrier = this.carrier;
    this.carrier = undefined;
    // Its body is over: a Fiber kept by its spawner keeps nothing the body held.
    this.driver = undefined;
    this.onEnd?.(this);
    const waiters = this.endWaiters;
    this.endWaiters = undefined;
    if (waiters === undefined) return;
    // Its children and resources end with its carrier's stint: halts settle after them.
    if (carrier !== undefined) carrier.settleAfterStint(waiters);
    else for (const resolve of waiters) resolve();
  }

  private notifyStart(started: boolean): void {
    const waiters = this.startWaiters;
    if (!waiters) return;
    this.startWaiters = undefined;
    for (const resolve of waiters) resolve(started);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Failures that escape a fiber's own boundary: an error thrown while its task tears down. */
const teardownBoundary: ErrorBoundary = {
  raise(error) {
    rError("fiber", "a fiber's teardown failed: %s", describe(error));
  },
};

/** Per spawner scope, the home of the fibers spawned under it (destroyed with the spawner). */
const fiberHomes = new WeakMap<Scope, FiberHome>();

/** The home of the fibers spawned under `scope`: no fiber failure ever reaches the spawner. */
function fiberHome(scope: Scope): FiberHome {
  let home = fiberHomes.get(scope);
  if (!home) {
    home = new FiberHome(scope, teardownBoundary);
    fiberHomes.set(scope, home);
  }
  return home;
}

/**
 * Create a fiber under `scope`: counted against the limits at once, started when the scope's
 * turn comes (and a slot is free). The one implementation behind both faces.
 * @param scope - the owner of the fiber (its home is kept per scope)
 * @param name - the fiber's name
 * @param body - what the fiber runs
 * @param options - queue timeout; `deferred` waits a microtask first (spawns from plain code)
 * @returns the fiber
 */
export function startFiber(
  scope: Scope,
  name: string,
  body: () => Operation<unknown>,
  options: SpawnFiberOptions & { deferred?: boolean; main?: boolean } = {},
): Fiber {
  const home = fiberHome(scope);
  const fiber = new FiberRecord(nextId++, name, options.main ?? false, home);
  fiber.onEnd = options.onEnd;
  liveFibers.add(fiber);
  if (fiberPool.tryAcquire()) fiber.hasSlot = true;
  else fiberPool.enqueue(fiber);
  const queueTimeout = options.queueTimeout ?? 0;
  fiber.driver = new FiberDriver(new FiberRun(fiber, body, queueTimeout, options.deferred ?? false), fiber);
  home.carry(fiber);
  return fiber;
}

/**
 * Spawn a named fiber under the caller's scope. It starts once the caller yields (never inside
 * this call), waits in FIFO order if the fiber cap is reached, and is counted in
 * `rGetFiberStats()`. If it throws, the error is logged with its name and goes no further: the
 * caller is not failed. End fibers by returning on the normal path (see {@link Fiber.halt}).
 * @param name - the fiber's name, used in logs
 * @param op - the fiber's body
 * @param options - `queueTimeout`: give up after this many ms in the queue (never runs)
 * @returns an operation returning the fiber at once, before it has started
 * @example
 * ```ts
 * const fiber = yield* spawnFiber("conn", () => serve(socket), { queueTimeout: 5000 });
 * if (!(yield* fiber.started())) reply503(socket);
 * ```
 */
export function* spawnFiber(
  name: string,
  op: () => Operation<unknown>,
  options?: SpawnFiberOptions,
): Operation<Fiber> {
  const scope = yield* useScope();
  return startFiber(scope, name, op, options);
}

/**
 * Spawn a named fiber under `scope` from plain code: an event callback of `node:net` or
 * `node:http`, outside every operation. Unlike {@link spawnFiber} it starts inside this call
 * (its body runs up to its first wait before this returns), so a server can start a
 * connection's fiber straight from the connection's callback, with no task in between to
 * hand it over (that hand-over cost ~8% of the server's time per short-lived connection).
 * Waiting for a slot past the fiber cap, the logging of failures and `onEnd` are as for
 * {@link spawnFiber}. Call it only from plain code: inside an operation, use `spawnFiber`.
 * @param scope - the owner of the fiber (a scope taken with `useScope()`); it must still be
 *   open, as effection does not refuse a task under a scope that has ended
 * @param name - the fiber's name, used in logs
 * @param op - the fiber's body
 * @param options - `queueTimeout`, `onEnd`
 * @returns the fiber, started (or queued past the fiber cap)
 * @throws nothing: a failure of the body is logged with the fiber's name
 * @example
 * ```ts
 * const scope = yield* useScope();
 * server.on("upgrade", (req, socket, head) => {
 *   spawnFiberIn(scope, "ws", () => serveWebSocket(req, socket, head));
 * });
 * ```
 */
export function spawnFiberIn(
  scope: Scope,
  name: string,
  op: () => Operation<unknown>,
  options?: SpawnFiberOptions,
): Fiber {
  return startFiber(scope, name, op, options);
}

/**
 * The fiber the caller runs in.
 * @returns the fiber, or undefined outside every fiber
 */
export function rGetFiber(): Operation<Fiber | undefined> {
  return FiberContext.get();
}

/**
 * Whether the caller is on the main fiber: the one `rInit` started, or code outside any fiber.
 * @returns true on the main fiber
 */
export function* rIsMain(): Operation<boolean> {
  const fiber = yield* FiberContext.get();
  return fiber === undefined || fiber.main;
}

export { fiberOfScope } from "./fiber-context.js";
