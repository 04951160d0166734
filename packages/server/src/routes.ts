// Route selection: the first configured route whose `match` fits a request path, and its methods.
import type { RouteConfig } from "./config/mod.js";

/**
 * Tell whether a route's `match` fits a path: a `match` that is empty or ends in `/` is a
 * prefix, any other `match` must equal the path exactly.
 * @param route the route to test.
 * @param path the decoded request path, for example `/ws/chat`.
 * @returns true when the route applies to the path.
 * @example
 * routeMatches({ match: "/ws/", handler: "action" }, "/ws/chat"); // true
 * routeMatches({ match: "/health", handler: "action" }, "/health/x"); // false
 */
export function routeMatches(route: RouteConfig, path: string): boolean {
  const { match } = route;
  if (match === "" || match.endsWith("/")) return path.startsWith(match);
  return path === match;
}

/**
 * Find the route for a path: routes are tried in order and the first that matches wins.
 * @param routes the configured routes, in order.
 * @param path the decoded request path.
 * @returns the first matching route, or undefined when none matches (the caller answers 404).
 */
export function findRoute(routes: readonly RouteConfig[], path: string): RouteConfig | undefined {
  return routes.find((route) => routeMatches(route, path));
}

/**
 * The methods a route accepts, for the `Allow` header: its `methods` list, with `HEAD` added
 * when `GET` is allowed (a HEAD is a GET without the body).
 * @param route the route.
 * @returns the allowed methods in upper case, or undefined when the route accepts every method.
 */
export function routeMethods(route: RouteConfig): string[] | undefined {
  if (route.methods === undefined) return undefined;
  const methods = route.methods.map((method) => method.toUpperCase());
  if (methods.includes("GET") && !methods.includes("HEAD")) methods.push("HEAD");
  return methods;
}

/**
 * Tell whether a route accepts a request method (methods compare ignoring case).
 * @param route the route.
 * @param method the request method, for example `GET`.
 * @returns true when the route has no `methods` list or the list allows `method`.
 */
export function routeAllowsMethod(route: RouteConfig, method: string): boolean {
  const methods = routeMethods(route);
  return methods === undefined || methods.includes(method.toUpperCase());
}
