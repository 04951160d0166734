// The context that names the fiber an operation runs in.
import { createContext } from "effection";
import type { Scope } from "effection";
import type { FiberRecord } from "./fiber.js";

/** The fiber an operation runs in, set by the fiber on each of its task scopes. */
export const FiberContext = createContext<FiberRecord | undefined>("@fiberws/fiber", undefined);

/**
 * The fiber a scope belongs to, read synchronously (for effects that already hold the scope).
 * @param scope - a coroutine's scope
 * @returns the fiber, or undefined outside every fiber
 */
export function fiberOfScope(scope: Scope): FiberRecord | undefined {
  return scope.get(FiberContext);
}
