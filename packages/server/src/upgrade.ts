// WebSocket upgrades: decide whether to accept one, then run its action on the live connection.
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Operation } from "effection";
import { validateUpgradeRequest, WS_STATUS_GOING_AWAY } from "@fiberws/core";
import { WebSocket, type WebSocketOptions } from "@fiberws/fiber";
import { ActionRun } from "./action-run.js";
import { findAction, type WebAction } from "./actions.js";
import type { RouteConfig, WebConfig } from "./config/mod.js";
import { findRoute, routeAllowsMethod, routeMethods } from "./routes.js";
import type { ServerState } from "./server-state.js";
import { parseRequestTarget, type WebSocketWeb } from "./web.js";

/** An upgrade the server refuses: the status, a short reason (the body) and required headers. */
export interface UpgradeRefusal {
  readonly ok: false;
  readonly status: number;
  readonly reason: string;
  readonly headers: Record<string, string>;
}

/** An upgrade the server accepts: where it goes and the `101` response's headers. */
export interface UpgradePlan {
  readonly ok: true;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly route: RouteConfig;
  readonly prefix: string;
  readonly action: WebAction;
  readonly protocol: string | undefined;
  /** The `101 Switching Protocols` response's header fields. */
  readonly headers: Record<string, string>;
}

/**
 * What the fiber of an accepted upgrade keeps: the request's own fields and not the request
 * itself, which a connection would hold for its whole life.
 */
export interface AcceptedUpgrade {
  readonly plan: UpgradePlan;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: Socket;
  /** Bytes read with the handshake, or null (an empty `head` would hold the whole read chunk). */
  readonly head: Buffer | null;
  /** The connection's name in logs. */
  readonly name: string;
}

/**
 * Decide an upgrade request, in this order: 503 while shutting down; 403 when
 * `webSockets.enable` is false; 400 for a malformed target; 404 without a route; 400 for a
 * `file` route (it serves no WebSockets); 405 (with `Allow`) for a method the route refuses;
 * 404 without an action; 403 for an `Origin` outside `webSockets.origins` (a request without
 * `Origin`, which only non-browser clients send, is not refused); then the handshake's own
 * checks (400, 405, 426, subprotocol choice).
 * @param state the server's shared state.
 * @param req the upgrade request.
 * @returns the plan to accept it, or the refusal to send.
 */
export function planUpgrade(state: ServerState, req: IncomingMessage): UpgradePlan | UpgradeRefusal {
  const { config } = state;
  const method = req.method ?? "GET";
  if (state.stopping()) return refusal(503, "the server is shutting down");
  if (!config.webSockets.enable) return refusal(403, "WebSockets are disabled on this server");
  const target = parseRequestTarget(req.url ?? "/");
  if (!target.ok) return refusal(400, target.reason);
  const route = findRoute(config.routes, target.path);
  if (route === undefined) return refusal(404, `no route for ${target.path}`);
  if (route.handler === "file") return refusal(400, `${target.path} is served by a file route, which does not accept WebSockets`);
  if (!routeAllowsMethod(route, method)) {
    return refusal(405, `${method} is not allowed here`, { Allow: (routeMethods(route) ?? []).join(", ") });
  }
  const found = findAction(state.actions, target.path);
  if (found === undefined) return refusal(404, `no action for ${target.path}`);
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(config.webSockets.origins, origin)) {
    return refusal(403, `origin ${origin} may not open a WebSocket here`);
  }
  const decision = validateUpgradeRequest(req, { protocols: config.webSockets.protocols });
  if (!decision.ok) return { ok: false, status: decision.status, reason: decision.reason, headers: decision.headers };
  return {
    ok: true,
    path: target.path,
    query: target.query,
    route,
    prefix: found.prefix,
    action: found.action,
    protocol: decision.protocol,
    headers: decision.headers,
  };
}

/**
 * Accept a planned upgrade: send the `101`, wrap the socket as a server-role WebSocket with the
 * configured limits and timeouts, and return the operation that runs the action until it
 * returns. When the server starts to stop, the connection is sent a close with 1001 at once, so
 * an action reading it returns by itself (one that does not is halted by the shutdown after its
 * grace). The connection is then closed (1001, bounded by `timeouts.close`); if the action
 * threw, it is closed with 1011 first and the error is rethrown for the caller to log.
 *
 * Called when the connection's fiber starts, it is a plain function so that no frame of the
 * connection keeps `upgrade` (the plan and the `101`'s headers: ~250 bytes per idle connection);
 * the operation it returns keeps the action's `web` alone.
 * @param state the server's shared state.
 * @param upgrade the accepted plan from {@link planUpgrade}, the socket detached from the HTTP
 *   parser, and what the fiber keeps of the request.
 * @returns the operation running the action on the connection.
 * @throws whatever the action throws, from the operation.
 */
export function acceptUpgrade(state: ServerState, upgrade: AcceptedUpgrade): Operation<void> {
  upgrade.socket.write(switchingProtocols(upgrade.plan.headers));
  // The connection object is kept by the action's run: no resource task and no child task for
  // the stop signal, which saves ~25 KB per idle connection (two effection tasks).
  const webSocket = new WebSocket(upgrade.socket, connectionOptions(state.config, upgrade), state.clock());
  // The connection's own listener takes the socket's errors from here: one listener instead of
  // two, which node keeps in an array (64 bytes per idle connection).
  upgrade.socket.off("error", destroyOnError);
  // Shutdown may have begun since the upgrade was planned: then the action finds it closing.
  if (state.stopping()) webSocket.startClose(WS_STATUS_GOING_AWAY, "going away");
  else state.webSockets.add(webSocket);
  return new ActionRun(state, webSocket, upgrade.plan.action, upgradedWeb(state.config, upgrade, webSocket));
}

/**
 * The error listener of a socket taken from the HTTP parser (an upgrade, a `CONNECT`) until
 * something else handles it: drop the socket. A plain function, not a closure, so the listener
 * keeps nothing of the request alive.
 */
export function destroyOnError(this: Socket): void {
  this.destroy();
}

/** The connection's settings from the configuration. */
function connectionOptions(config: WebConfig, upgrade: AcceptedUpgrade): WebSocketOptions {
  return {
    role: "server",
    protocol: upgrade.plan.protocol,
    maxFrame: config.limits.maxFrame,
    maxMessage: config.limits.maxMessage,
    validateUTF: config.webSockets.validateUTF,
    pingPeriod: config.webSockets.ping,
    hibernateAfter: config.webSockets.hibernate,
    closeTimeout: config.timeouts.close,
    sendTimeout: config.timeouts.send,
    name: upgrade.name,
  };
}

/** The request as the action sees it. */
function upgradedWeb(config: WebConfig, upgrade: AcceptedUpgrade, webSocket: WebSocket): WebSocketWeb {
  const { plan } = upgrade;
  return {
    kind: "websocket",
    method: upgrade.method,
    path: plan.path,
    query: plan.query,
    headers: upgrade.headers,
    request: undefined,
    route: plan.route,
    prefix: plan.prefix,
    config,
    timeout: config.timeouts.inactivity,
    response: undefined,
    webSocket,
    buf: upgrade.head,
    protocol: plan.protocol,
  };
}

/** The `101 Switching Protocols` response with `headers`, as one string to write. */
function switchingProtocols(headers: Record<string, string>): string {
  let text = "HTTP/1.1 101 Switching Protocols\r\n";
  for (const field in headers) text += `${field}: ${headers[field]}\r\n`;
  return `${text}\r\n`;
}

/**
 * Tell whether an `Origin` may upgrade: every origin when no allowlist is configured,
 * otherwise one on the list (compared ignoring case and a trailing slash).
 * @param origins the configured allowlist, or undefined for none.
 * @param origin the request's `Origin` header.
 * @returns true when the origin is allowed.
 */
export function originAllowed(origins: readonly string[] | undefined, origin: string): boolean {
  if (origins === undefined) return true;
  const wanted = normalizeOrigin(origin);
  return origins.some((allowed) => normalizeOrigin(allowed) === wanted);
}

function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/$/, "");
}

function refusal(status: number, reason: string, headers: Record<string, string> = {}): UpgradeRefusal {
  return { ok: false, status, reason, headers };
}
