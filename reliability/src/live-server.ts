// A live server in this process on a loopback port: the echo and any test actions, with a stop.
import { tmpdir } from "node:os";
import { run, suspend, withResolvers, type Task } from "effection";
import { createWebServer, defaultConfig, serve, webAddAction, type WebAction, type WebConfig, type WebService } from "@fiberws/server";
import { addEcho, ECHO_PREFIX } from "./echo.js";

/** Parts of the config to change; each section merges with the defaults. */
export interface ConfigChanges {
  webSockets?: Partial<WebConfig["webSockets"]>;
  limits?: Partial<WebConfig["limits"]>;
  timeouts?: Partial<WebConfig["timeouts"]>;
  /** Extra action routes (prefix → action), tried before the echo. */
  actions?: Record<string, WebAction>;
}

/** A server being served by a task of its own. */
export interface LiveServer {
  readonly port: number;
  readonly service: WebService;
  /** `ws://127.0.0.1:<port><path>`. */
  socketUrl(path: string): string;
  /** Shut down gracefully (every WebSocket closed with 1001) and wait until it is over. */
  stop(): Promise<void>;
}

/**
 * The config the tests serve: the defaults on 127.0.0.1 port 0, an action route for the echo
 * and for each extra action, with `changes` applied.
 * @param changes the settings to change.
 * @returns the config.
 */
export function liveConfig(changes: ConfigChanges = {}): WebConfig {
  const base = defaultConfig(tmpdir());
  const prefixes = [...Object.keys(changes.actions ?? {}), ECHO_PREFIX];
  return {
    ...base,
    listen: ["http://127.0.0.1:0"],
    webSockets: { ...base.webSockets, ...changes.webSockets },
    limits: { ...base.limits, ...changes.limits },
    timeouts: { ...base.timeouts, ...changes.timeouts },
    routes: prefixes.map((match) => ({ match, handler: "action" as const })),
  };
}

/**
 * Serve {@link liveConfig}`(changes)` with the echo on `/echo/` and the extra actions, in a task
 * of its own, and return once it listens.
 * @param changes the settings to change and the extra actions.
 * @returns the running server.
 * @throws Error if the server could not start.
 * @example
 * const server = await startLiveServer({ limits: { maxFrame: 4096 } });
 * try { ... } finally { await server.stop(); }
 */
export async function startLiveServer(changes: ConfigChanges = {}): Promise<LiveServer> {
  const server = createWebServer(liveConfig(changes));
  addEcho(server);
  for (const [prefix, action] of Object.entries(changes.actions ?? {})) webAddAction(server, prefix, action);
  const ready = withResolvers<WebService>();
  const task: Task<void> = run(function* () {
    ready.resolve(yield* serve(server));
    yield* suspend();
  });
  const service = await Promise.race([run(() => ready.operation), task.then(() => undefined)]);
  const port = service?.addresses[0]?.port;
  if (service === undefined || port === undefined) throw new Error("the server ended before it listened");
  return {
    port,
    service,
    socketUrl: (path) => `ws://127.0.0.1:${port}${path}`,
    stop: () => task.halt(),
  };
}
