// The web server: create it, register its actions, and serve it as an effection resource.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { resource, useScope, type Operation } from "effection";
import { WS_STATUS_GOING_AWAY } from "@fiberws/core";
import { ClockContext, rDebug, useFiberLimits } from "@fiberws/fiber";
import type { ActionTable, WebAction } from "./actions.js";
import type { WebConfig } from "./config/mod.js";
import { answerClientError } from "./client-error.js";
import { httpOptions } from "./http-options.js";
import { FiberStarter } from "./fiber-starter.js";
import { ConnectionGate } from "./limits.js";
import { bindServer, parseListenUrl, type ListenAddress } from "./listen.js";
import { asksForWebSocket, servePlainly } from "./plain-upgrade.js";
import { refuseSocket } from "./raw-response.js";
import { writeResponse } from "./reply.js";
import { answerRequest } from "./request.js";
import { shutDown } from "./shutdown.js";
import type { ServerState } from "./server-state.js";
import { acceptUpgrade, destroyOnError, planUpgrade } from "./upgrade.js";

/** A web server: its configuration and actions. Serve it with {@link serve}. */
export class WebServer {
  /** The actions by prefix; add them with {@link webAddAction}. */
  readonly actions: ActionTable = new Map();
  /** True once {@link serve} started: the actions are then fixed. */
  serving = false;

  /** @param config the configuration to serve, as the config loader returns it. */
  constructor(readonly config: WebConfig) {}
}

/** A served web server, as {@link serve} provides it. */
export interface WebService {
  /** The bound listeners, in the order of `config.listen`. */
  readonly addresses: readonly ListenAddress[];
  /** Their URLs, for example `["http://127.0.0.1:41234"]`. */
  readonly urls: readonly string[];
  /**
   * The connections open now (plain and WebSocket, not counting those refused at the limit).
   * @returns the count.
   */
  connections(): number;
}

/**
 * Create a web server for a configuration. Register actions with {@link webAddAction}, then
 * run it with {@link serve}.
 * @param config the configuration, as `loadConfig`, `parseConfig` or `defaultConfig` return it.
 * @returns the server, not yet listening.
 * @example
 * const server = createWebServer(loadConfig("web.json5"));
 * webAddAction(server, "/ws/", function* (web) {
 *   if (web.webSocket) yield* webSocketRun(web.webSocket, onWebSocket, null, web.buf, web.timeout);
 * });
 * const service = yield* serve(server);
 */
export function createWebServer(config: WebConfig): WebServer {
  return new WebServer(config);
}

/**
 * Register the action for a path prefix. A request to an `action` route runs the action with
 * the longest registered prefix of its path; without one it gets 404.
 * @param server the server, not yet serving.
 * @param prefix the path prefix, starting with `/` (for example `/ws/`; `/` covers every path).
 * @param action the operation that answers the requests.
 * @throws Error if the server already serves or the prefix is taken; TypeError if the prefix
 * does not start with `/`.
 * @example
 * webAddAction(server, "/api/time", function* (web) {
 *   if (web.kind === "http") yield* webWriteJson(web, { now: Date.now() });
 * });
 */
export function webAddAction(server: WebServer, prefix: string, action: WebAction): void {
  if (server.serving) throw new Error(`webAddAction("${prefix}"): the server already serves; add actions before serve()`);
  if (!prefix.startsWith("/")) throw new TypeError(`webAddAction("${prefix}"): a prefix starts with "/"`);
  if (server.actions.has(prefix)) throw new Error(`webAddAction("${prefix}"): an action is already registered for it`);
  server.actions.set(prefix, action);
}

/**
 * Serve a web server: bind every `listen` address, then answer requests and upgrades, each in
 * its own fiber and error boundary, until the caller's scope ends. Returns once every listener
 * is bound. When the scope ends the server shuts down gracefully: it stops accepting, closes
 * every WebSocket with 1001 at once (each bounded by `timeouts.close`), lets in-flight HTTP
 * responses finish within `timeouts.close`, halts what is left, and releases the ports.
 * With `limits.fibers` above 0 the runtime's fiber cap is set to it while serving.
 * @param server the server, with its actions registered.
 * @returns the bound addresses.
 * @throws Error if a `listen` entry is not an http URL, an address cannot be bound, or the
 * server already serves.
 * @example
 * await run(function* () {
 *   const service = yield* serve(server);
 *   console.log(`listening on ${service.urls.join(", ")}`);
 *   yield* suspend();
 * });
 */
export function serve(server: WebServer): Operation<WebService> {
  return resource(function* (provide) {
    const { config } = server;
    if (server.serving) throw new Error("serve: this server is already serving");
    server.serving = true;
    const endpoints = config.listen.map(parseListenUrl);
    if (config.limits.fibers > 0) yield* useFiberLimits(config.limits.fibers);

    let stopping = false;
    const scope = yield* useScope();
    const state: ServerState = {
      config,
      actions: server.actions,
      stopping: () => stopping,
      webSockets: new Set(),
      clock: () => scope.expect(ClockContext),
    };
    const gate = new ConnectionGate(config.limits.connections);
    const refused = new WeakSet<Socket>();
    const responding = new WeakSet<Socket>();
    const starter = new FiberStarter(scope, config.timeouts.parse);
    let nextId = 1;

    /** Run a handler as a fiber owned by the server; `refuse` answers when no slot came in time. */
    const start = (name: string, handler: () => Operation<void>, refuse: () => Operation<void>): void => {
      starter.start(name, handler, function* () {
        rDebug("web", "%s: no fiber slot within %d ms", name, config.timeouts.parse);
        yield* refuse();
      });
    };

    const onConnection = (socket: Socket): void => {
      if (gate.admit(socket)) return;
      refused.add(socket);
      rDebug("web", "refused a connection: %d open, the limit", gate.open);
      refuseSocket(socket, 503, "the server is at its connection limit");
    };

    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (refused.has(req.socket)) return;
      responding.add(req.socket);
      res.once("close", () => responding.delete(req.socket));
      const name = `${req.method ?? "?"} ${req.url ?? ""}`;
      start(
        name,
        () => answerRequest(state, req, res),
        () => writeResponse(res, 503, "the server is busy; try again later\n", { Connection: "close" }),
      );
    };

    const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
      socket.on("error", destroyOnError);
      if (refused.has(socket)) return;
      if (!asksForWebSocket(req)) {
        servePlainly(req, socket, head, onRequest);
        return;
      }
      const plan = planUpgrade(state, req);
      if (!plan.ok) {
        rDebug("web", "refused the upgrade %s %s: %d %s", req.method, req.url, plan.status, plan.reason);
        refuseSocket(socket, plan.status, plan.reason, plan.headers);
        return;
      }
      const name = `ws ${plan.path} #${nextId++}`;
      const method = req.method ?? "GET";
      const upgrade = { plan, method, headers: req.headers, socket, head: head.length > 0 ? head : null, name };
      start(
        name,
        // The fiber's own scope is the error boundary for the action's children: no scope of
        // its own here (each costs ~6 KB per idle connection).
        () => acceptUpgrade(state, upgrade),
        function* () {
          refuseSocket(socket, 503, "the server is busy; try again later");
        },
      );
    };

    const onClientError = (error: Error, socket: Socket): void => {
      if (responding.has(socket)) socket.destroy();
      else answerClientError(error, socket);
    };

    const servers: Server[] = [];
    const addresses: ListenAddress[] = [];
    try {
      for (const { host, port } of endpoints) {
        const http = createServer(httpOptions(config));
        http.on("connection", onConnection);
        http.on("request", onRequest);
        // Handled, `Expect: 100-continue` is answered by routing (see answerRequest), not at once.
        http.on("checkContinue", onRequest);
        http.on("upgrade", onUpgrade);
        http.on("connect", refuseConnect);
        http.on("clientError", onClientError);
        servers.push(http);
        addresses.push(yield* bindServer(http, host, port));
      }
      rDebug("web", "listening on %s", addresses.map((address) => address.url).join(", "));
      yield* provide({ addresses, urls: addresses.map((address) => address.url), connections: () => gate.open });
    } finally {
      yield* shutDown({
        servers,
        handlers: starter,
        sockets: () => gate.sockets,
        announce: () => {
          stopping = true;
          for (const webSocket of state.webSockets) webSocket.startClose(WS_STATUS_GOING_AWAY, "going away");
        },
        closeTimeout: config.timeouts.close,
      });
      rDebug("web", "stopped");
    }
  });
}

/** A `CONNECT` request: this server is no proxy (without this listener node:http drops the socket unanswered). */
function refuseConnect(_req: IncomingMessage, socket: Socket): void {
  socket.on("error", destroyOnError);
  refuseSocket(socket, 501, "this server does not implement CONNECT: it is not a proxy");
}
