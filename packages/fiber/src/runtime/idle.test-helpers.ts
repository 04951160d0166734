// Test helper: wait on an IdleWait the way a WebSocket connection does.
import type { Coroutine, Operation } from "effection";
import { IdleWait, isHibernation } from "./hibernate.js";

/**
 * Wait on `wait` as a connection does, following it into hibernation when asked.
 * @returns the coroutine running the waiter afterwards
 */
export function* idle(wait: IdleWait): Operation<Coroutine> {
  if (isHibernation(yield wait)) yield wait.request;
  return wait.takeCoroutine() as Coroutine; // every wake-up hands it over
}
