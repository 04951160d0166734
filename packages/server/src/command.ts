// The `fiberws` command: parse its options, load the config, serve until SIGINT/SIGTERM.
import { isAbsolute } from "node:path";
import { parseArgs } from "node:util";
import { resource, run, scoped, withResolvers, type Operation } from "effection";
import { rError, rInfo, setLogDestination, setLogLevel } from "@fiberws/fiber";
import { applyOverrides, ConfigError, loadConfig, type WebConfig } from "./config/mod.js";
import { createWebServer, serve, type WebServer, type WebService } from "./server.js";

/** The config file the command line loads when neither `--config` nor the program names one. */
const DEFAULT_CONFIG_FILE = "web.json5";

/**
 * The command line's usage text, naming the config file used when `--config` is absent.
 * @param configFile the program's default config file ({@link CliApp.configFile}); a relative
 * one is read from the working directory. Default `web.json5`.
 * @returns the text, ending in a newline.
 * @example
 * process.stdout.write(cliUsage("/srv/app/web.json5")); // ... (default: /srv/app/web.json5) ...
 */
export function cliUsage(configFile: string = DEFAULT_CONFIG_FILE): string {
  const shown = isAbsolute(configFile) ? configFile : `${configFile} in the working directory`;
  return `Usage: fiberws [--config FILE] [--listen URL]... [--debug]

  --config FILE   the json5 configuration (default: ${shown})
  --listen URL    listen on http://host:port instead of the config's web.listen (repeatable)
  --debug         log at debug level
  --help          print this text
`;
}

/** The command line's options, as {@link parseCliArgs} reads them. */
export interface CliOptions {
  /** `--config FILE`, if given. */
  config: string | undefined;
  /** `--listen URL` values, in order; empty when none was given. */
  listen: string[];
  /** `--debug` was given. */
  debug: boolean;
  /** `--help` was given. */
  help: boolean;
}

/** A program run by the command line: its actions, the config it uses by default, what it logs. */
export interface CliApp {
  /**
   * Register the program's actions (with `webAddAction`) before the server serves.
   * @param server the server about to serve.
   */
  setup?: (server: WebServer) => void;
  /**
   * Called once every listener is bound, before the "started" line is logged: for example to
   * log each endpoint's URL with the port actually bound. An error it throws stops the server
   * (exit status 1).
   * @param service the serving server: its bound addresses and URLs.
   */
  onServing?: (service: WebService) => void;
  /** The config file used when `--config` is absent (default `web.json5`, in the working directory). */
  configFile?: string;
}

/** Thrown by {@link parseCliArgs} for options it does not understand. */
export class CliUsageError extends Error {
  override name = "CliUsageError";
}

/**
 * Read the command line's options. A leading `--` is skipped: `pnpm start -- --listen URL`
 * passes it along.
 * @param argv the arguments after the program name.
 * @returns the options.
 * @throws CliUsageError for an unknown option, a missing value or a positional argument.
 * @example
 * parseCliArgs(["--config", "web.json5", "--debug"]); // { config: "web.json5", listen: [], debug: true, help: false }
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  try {
    const { values } = parseArgs({
      args: argv[0] === "--" ? argv.slice(1) : [...argv],
      options: {
        config: { type: "string" },
        listen: { type: "string", multiple: true },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    });
    return {
      config: values.config,
      listen: values.listen ?? [],
      debug: values.debug ?? false,
      help: values.help ?? false,
    };
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Run the command line: load the config (with `--listen` and `--debug` applied), set up
 * logging from it, let `app` register its actions, then serve until SIGINT or SIGTERM and shut
 * down gracefully. The signals are caught from before the server binds until it has stopped.
 * Logs one line when started (with the bound URLs), one when stopped and one per fatal error.
 * Usage and config errors are written to stderr.
 * @param argv the arguments after the program name.
 * @param app the program's actions and default config file.
 * @returns the exit status: 0 after a signal or `--help`, 1 for a config or serving error,
 * 2 for a usage error.
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), {
 *   setup: (server) => webAddAction(server, "/ws/", webSocketAction(onWebSocket)),
 * });
 */
export async function runCli(argv: readonly string[], app: CliApp = {}): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`fiberws: ${error instanceof Error ? error.message : String(error)}\n\n${cliUsage(app.configFile)}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(cliUsage(app.configFile));
    return 0;
  }
  let config: WebConfig;
  try {
    config = applyOverrides(loadConfig(options.config ?? app.configFile ?? DEFAULT_CONFIG_FILE), {
      listen: options.listen.length > 0 ? options.listen : undefined,
      logLevel: options.debug ? "debug" : undefined,
    });
    setLogLevel(config.log.level);
    setLogDestination(config.log.path);
  } catch (error) {
    process.stderr.write(`fiberws: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    return 1;
  }
  const server = createWebServer(config);
  try {
    app.setup?.(server);
    await run(() => serveUntilSignal(server, app));
    return 0;
  } catch (error) {
    rError("fiberws", "%s", error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/**
 * The command line as a program's whole entry point: run it on `process.argv` and set the exit
 * status. The process then ends on its own: serving leaves no handle or timer behind.
 * @param app the program's actions and default config file.
 * @example
 * await cliMain({ setup: (server) => webAddAction(server, "/ws/", webSocketAction(onWebSocket)) });
 */
export async function cliMain(app: CliApp = {}): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), app);
}

/**
 * Serve until SIGINT or SIGTERM. The signals are watched before the server binds, so one sent
 * as soon as the "started" line appears (or while starting) still stops it gracefully; the
 * watch lasts until shutdown is over, so a repeated signal cannot cut shutdown short.
 */
function* serveUntilSignal(server: WebServer, app: CliApp): Operation<void> {
  const signal = yield* scoped(function* () {
    const stopSignal = yield* useStopSignal();
    const service = yield* serve(server);
    app.onServing?.(service);
    const from = server.config.file === undefined ? "" : ` (config ${server.config.file})`;
    rInfo("fiberws", "started on %s%s", service.urls.join(", "), from);
    return yield* stopSignal;
  });
  rInfo("fiberws", "stopped on %s", signal);
}

/**
 * Catch SIGINT and SIGTERM until the caller's scope ends (instead of the default of dying).
 * @returns an operation that returns the first of them received, even one received before it
 * is waited on.
 */
function useStopSignal(): Operation<Operation<NodeJS.Signals>> {
  return resource(function* (provide) {
    const first = withResolvers<NodeJS.Signals>("SIGINT or SIGTERM");
    const onSignal = (signal: NodeJS.Signals): void => first.resolve(signal);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      yield* provide(first.operation);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  });
}
