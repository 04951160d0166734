// Starts the built example server as a child process on a free loopback port.
import { fileURLToPath } from "node:url";
import { startProgram, type Program } from "../programs.js";

/** The example server as a newcomer runs it. */
export const EXAMPLE_SERVER = fileURLToPath(new URL("../../../examples/dist/server.js", import.meta.url));

/** The example server, running. */
export interface RunningExampleServer {
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  /** The child process. */
  program: Program;
}

/**
 * Start the example server (built by this package's global setup) on a free port, waiting until
 * it announces the echo.
 * @returns the running server; stop it with `program.stop()`.
 * @throws Error if the server does not announce its echo within 10 s.
 * @example
 * const server = await startExampleServer();
 * // ... RawClient.upgrade(server.port, "/echo/") ...
 * await server.program.stop();
 */
export async function startExampleServer(): Promise<RunningExampleServer> {
  const program = startProgram(EXAMPLE_SERVER, ["--listen", "http://127.0.0.1:0"]);
  try {
    const [, port = ""] = await program.waitFor(/an exact echo at ws:\/\/127\.0\.0\.1:(\d+)\/echo\//);
    return { port: Number(port), program };
  } catch (error) {
    await program.stop();
    throw error;
  }
}
