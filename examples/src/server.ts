// The example server: the example actions under web.json5 (or --config FILE), run by the server's command line.
import { fileURLToPath } from "node:url";
import { rInfo } from "@fiberws/fiber";
import { runCli, type WebService } from "@fiberws/server";
import { addExampleActions } from "./actions.js";

/** The embedded default configuration: `examples/web.json5`, beside the built program's folder. */
const DEFAULT_CONFIG = fileURLToPath(new URL("../web.json5", import.meta.url));

/**
 * The command line with `PORT` from the environment applied: `PORT=5000` means
 * `--listen http://127.0.0.1:5000`, unless `--listen` is given.
 */
function serverArgs(argv: string[], port: string | undefined): string[] {
  const listens = argv.some((arg) => arg === "--listen" || arg.startsWith("--listen="));
  if (port === undefined || port === "" || listens) return argv;
  return [...argv, "--listen", `http://127.0.0.1:${port}`];
}

/** Log where each example is served, with the port each listener actually bound. */
function announce(service: WebService): void {
  for (const page of service.urls) {
    const socket = page.replace(/^http/, "ws");
    rInfo("examples", "the page at %s/, the seed's echo at %s/ws/, an exact echo at %s/echo/, " +
      "telemetry at %s/telemetry/, chat at %s/chat/", page, socket, socket, socket, socket);
  }
}

process.exitCode = await runCli(serverArgs(process.argv.slice(2), process.env["PORT"]), {
  configFile: DEFAULT_CONFIG,
  setup: (server) => addExampleActions(server),
  onServing: announce,
});
