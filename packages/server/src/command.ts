// The `fiberws` command: parse its options, load the config, serve until SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { action, run, scoped, type Operation } from "effection";
import { rError, rInfo, setLogDestination, setLogLevel } from "@fiberws/fiber";
import { applyOverrides, ConfigError, loadConfig, type WebConfig } from "./config/mod.js";
import { createWebServer, serve, type WebServer } from "./server.js";

/** The command line's usage text. */
export const CLI_USAGE = `Usage: fiberws [--config FILE] [--listen URL]... [--debug]

  --config FILE   the json5 configuration (default: web.json5 in the working directory)
  --listen URL    listen on http://host:port instead of the config's web.listen (repeatable)
  --debug         log at debug level
  --help          print this text
`;

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

/** A program run by the command line: its actions, and the config it uses by default. */
export interface CliApp {
  /**
   * Register the program's actions (with `webAddAction`) before the server serves.
   * @param server the server about to serve.
   */
  setup?: (server: WebServer) => void;
  /** The config file used when `--config` is absent (default `web.json5`). */
  configFile?: string;
}

/** Thrown by {@link parseCliArgs} for options it does not understand. */
export class CliUsageError extends Error {
  override name = "CliUsageError";
}

/**
 * Read the command line's options.
 * @param argv the arguments after the program name.
 * @returns the options.
 * @throws CliUsageError for an unknown option, a missing value or a positional argument.
 * @example
 * parseCliArgs(["--config", "web.json5", "--debug"]); // { config: "web.json5", listen: [], debug: true, help: false }
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  try {
    const { values } = parseArgs({
      args: [...argv],
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
 * down gracefully. Logs one line when started (with the URLs), one when stopped and one per
 * fatal error. Usage and config errors are written to stderr.
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
    process.stderr.write(`fiberws: ${error instanceof Error ? error.message : String(error)}\n\n${CLI_USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(CLI_USAGE);
    return 0;
  }
  let config: WebConfig;
  try {
    config = applyOverrides(loadConfig(options.config ?? app.configFile ?? "web.json5"), {
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
    await run(() => serveUntilSignal(server));
    return 0;
  } catch (error) {
    rError("fiberws", "%s", error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/**
 * The command line as a program's whole entry point: run it on `process.argv`, set the exit
 * status, and make sure the process ends shortly after, even if something still holds it.
 * @param app the program's actions and default config file.
 * @example
 * await cliMain({ setup: (server) => webAddAction(server, "/ws/", webSocketAction(onWebSocket)) });
 */
export async function cliMain(app: CliApp = {}): Promise<void> {
  const status = await runCli(process.argv.slice(2), app);
  process.exitCode = status;
  setTimeout(() => process.exit(status), 1000).unref();
}

/** Serve until SIGINT or SIGTERM, logging the start, and the stop once shutdown is over. */
function* serveUntilSignal(server: WebServer): Operation<void> {
  const signal = yield* scoped(function* () {
    const service = yield* serve(server);
    const from = server.config.file === undefined ? "" : ` (config ${server.config.file})`;
    rInfo("fiberws", "started on %s%s", service.urls.join(", "), from);
    return yield* nextSignal();
  });
  rInfo("fiberws", "stopped on %s", signal);
}

/** Returns the first SIGINT or SIGTERM the process receives. */
function nextSignal(): Operation<NodeJS.Signals> {
  return action<NodeJS.Signals>((resolve) => {
    const onInterrupt = (): void => resolve("SIGINT");
    const onTerminate = (): void => resolve("SIGTERM");
    process.once("SIGINT", onInterrupt);
    process.once("SIGTERM", onTerminate);
    return () => {
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onTerminate);
    };
  }, "nextSignal");
}
