import { describe, expect, it } from "vitest";
import { findAction, prefixCovers } from "./actions.js";
import { findRoute, routeAllowsMethod, routeMatches, routeMethods } from "./routes.js";

describe("routes", () => {
  it("treats a match ending in / as a prefix", () => {
    const route = { match: "/ws/", handler: "action" as const };
    expect(routeMatches(route, "/ws/")).toBe(true);
    expect(routeMatches(route, "/ws/chat")).toBe(true);
    expect(routeMatches(route, "/ws")).toBe(false);
    expect(routeMatches(route, "/wsx/")).toBe(false);
  });

  it("treats an empty match as a prefix of every path", () => {
    expect(routeMatches({ match: "", handler: "file" }, "/anything")).toBe(true);
  });

  it("treats any other match as exact", () => {
    const route = { match: "/health", handler: "action" as const };
    expect(routeMatches(route, "/health")).toBe(true);
    expect(routeMatches(route, "/health/")).toBe(false);
    expect(routeMatches(route, "/healthz")).toBe(false);
  });

  it("picks the first matching route in order, not the most specific", () => {
    const routes = [
      { match: "/", handler: "file" as const },
      { match: "/ws/", handler: "action" as const },
    ];
    expect(findRoute(routes, "/ws/chat")).toBe(routes[0]);
    expect(findRoute([...routes].reverse(), "/ws/chat")).toBe(routes[1]);
  });

  it("finds no route when none matches", () => {
    expect(findRoute([{ match: "/api/", handler: "action" }], "/other")).toBeUndefined();
  });

  it("allows every method without a methods list, and HEAD with GET", () => {
    expect(routeAllowsMethod({ match: "/", handler: "file" }, "DELETE")).toBe(true);
    const route = { match: "/", handler: "file" as const, methods: ["GET"] };
    expect(routeAllowsMethod(route, "HEAD")).toBe(true);
    expect(routeAllowsMethod(route, "POST")).toBe(false);
    expect(routeMethods(route)).toEqual(["GET", "HEAD"]);
  });
});

describe("actions", () => {
  function* one() {}
  function* two() {}
  const table = new Map([
    ["/api/", one],
    ["/api/v2/", two],
  ]);

  it("runs the action with the longest matching prefix", () => {
    expect(findAction(table, "/api/v2/users")).toEqual({ prefix: "/api/v2/", action: two });
    expect(findAction(table, "/api/v1/users")).toEqual({ prefix: "/api/", action: one });
  });

  it("finds no action when no prefix fits", () => {
    expect(findAction(table, "/ap")).toBeUndefined();
  });

  it("matches a prefix without a trailing / only at a segment boundary", () => {
    expect(prefixCovers("/ws", "/ws")).toBe(true);
    expect(prefixCovers("/ws", "/ws/")).toBe(true);
    expect(prefixCovers("/ws", "/ws/chat")).toBe(true);
    expect(prefixCovers("/ws", "/wsx")).toBe(false);
    expect(prefixCovers("/ws", "/ws.json")).toBe(false);
    expect(prefixCovers("/ws", "/w")).toBe(false);
  });

  it("matches a prefix ending in / as a plain string", () => {
    expect(prefixCovers("/ws/", "/ws/chat")).toBe(true);
    expect(prefixCovers("/ws/", "/ws")).toBe(false);
    expect(prefixCovers("/", "/anything")).toBe(true);
  });

  it("passes over a shorter prefix that only matches part of a segment", () => {
    const actions = new Map([
      ["/", one],
      ["/ws", two],
    ]);
    expect(findAction(actions, "/ws")).toEqual({ prefix: "/ws", action: two });
    expect(findAction(actions, "/ws/chat")).toEqual({ prefix: "/ws", action: two });
    expect(findAction(actions, "/wsx")).toEqual({ prefix: "/", action: one });
  });
});
