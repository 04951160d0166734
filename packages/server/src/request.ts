// Answering one plain HTTP request: route it, then serve a file or run its action, bounded in time.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Operation } from "effection";
import { rDebug, rError } from "@fiberws/fiber";
import { logFailure } from "./log-failure.js";
import { findAction } from "./actions.js";
import { armTimer, runInterruptible } from "./interruptible.js";
import { serveFile } from "./file/mod.js";
import { endResponse, HttpError, writeResponse } from "./reply.js";
import { findRoute, routeAllowsMethod, routeMethods } from "./routes.js";
import type { ServerState } from "./server-state.js";
import { parseRequestTarget, type HttpWeb } from "./web.js";

/**
 * Answer a plain HTTP request within `timeouts.request`: route it, then serve the file or run
 * the action. Failures answer this request only: an {@link HttpError} with its status, any
 * other error with 500 (logged once), the time running out with 503 and `Connection: close`.
 * When the action returns without finishing the response, the response is ended. Returns once
 * the response is handed to the socket or the client went away; never throws.
 * @param state the server's shared state.
 * @param req the request.
 * @param res its response.
 */
export function* answerRequest(state: ServerState, req: IncomingMessage, res: ServerResponse): Operation<void> {
  const label = `${req.method ?? "?"} ${req.url ?? ""}`;
  const limit = state.config.timeouts.request;
  try {
    const outcome = yield* runInterruptible(
      () => routeRequest(state, req, res),
      (interrupt: (reason: "gone" | "timeout") => void) => {
        const onClose = (): void => {
          if (!res.writableFinished) interrupt("gone");
        };
        res.once("close", onClose);
        const clearTimer = armTimer(limit, interrupt, "timeout");
        return () => {
          res.off("close", onClose);
          clearTimer();
        };
      },
    );
    if (outcome === "timeout") {
      rError("web", "%s: no answer within %d ms", label, limit);
      yield* failResponse(res, new HttpError(503, `no answer within ${limit} ms`, { Connection: "close" }));
    }
  } catch (error) {
    if (error instanceof HttpError) {
      rDebug("web", "%s: %d %s", label, error.status, error.message);
      yield* failResponse(res, error);
    } else {
      logFailure(label, error);
      yield* failResponse(res, new HttpError(500, "internal server error"));
    }
  }
  if (!res.writableEnded) yield* endResponse(res);
}

/** Route the request and hand it to the file handler or its action; refusals throw HttpError. */
function* routeRequest(state: ServerState, req: IncomingMessage, res: ServerResponse): Operation<void> {
  const { config } = state;
  const method = req.method ?? "GET";
  if (state.stopping()) throw new HttpError(503, "the server is shutting down", { Connection: "close" });
  const target = parseRequestTarget(req.url ?? "/");
  if (!target.ok) throw new HttpError(400, target.reason);
  const route = findRoute(config.routes, target.path);
  if (route === undefined) throw new HttpError(404, `no route for ${target.path}`);
  if (!routeAllowsMethod(route, method)) {
    throw new HttpError(405, `${method} is not allowed here`, { Allow: (routeMethods(route) ?? []).join(", ") });
  }
  const announced = Number(req.headers["content-length"] ?? 0);
  if (announced > config.limits.body) {
    throw new HttpError(413, `the request body is larger than the limit of ${config.limits.body} bytes`, {
      Connection: "close",
    });
  }
  if (route.handler === "file") {
    inviteBody(req, res);
    return yield* serveFile(req, res, { documents: route.documents ?? config.documents, index: config.index });
  }
  const found = findAction(state.actions, target.path);
  if (found === undefined) throw new HttpError(404, `no action for ${target.path}`);
  inviteBody(req, res);
  const web: HttpWeb = {
    kind: "http",
    method,
    path: target.path,
    query: target.query,
    headers: req.headers,
    request: req,
    response: res,
    route,
    prefix: found.prefix,
    config,
    timeout: config.timeouts.inactivity,
    webSocket: undefined,
    buf: null,
  };
  yield* found.action(web);
}

/**
 * A client that sent `Expect: 100-continue` waits for `100 Continue` before its body: send it
 * once the request has passed every check made before a body is read, so that a refusal (404,
 * 405, 413, 503) goes out instead and the body is never sent.
 */
function inviteBody(req: IncomingMessage, res: ServerResponse): void {
  if (EXPECTS_CONTINUE.test(req.headers.expect ?? "")) res.writeContinue();
}

/** An `Expect` header asking for `100 Continue` (compared ignoring case, as node:http does). */
const EXPECTS_CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/** Answer with an error's status if the response has not started; otherwise drop the connection. */
function* failResponse(res: ServerResponse, error: HttpError): Operation<void> {
  if (res.destroyed) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  yield* writeResponse(res, error.status, `${error.message}\n`, error.headers);
}
