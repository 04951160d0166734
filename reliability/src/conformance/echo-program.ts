// Builds the example server and starts it as a child process on a free loopback port.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startProgram, type Program } from "../programs.js";

/** The examples package, whose built server serves the exact echo at /echo/. */
const EXAMPLES_FOLDER = fileURLToPath(new URL("../../../examples/", import.meta.url));
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
 * Bring `examples/dist` up to date (`tsc -b examples`, incremental) and start the example server
 * on a free port, waiting until it announces the echo.
 * @returns the running server; stop it with `program.stop()`.
 * @throws Error if the build fails or the server does not announce its echo within 10 s.
 * @example
 * const server = await startExampleServer();
 * // ... RawClient.upgrade(server.port, "/echo/") ...
 * await server.program.stop();
 */
export async function startExampleServer(): Promise<RunningExampleServer> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-b", EXAMPLES_FOLDER], { stdio: "pipe" });
  } catch (error) {
    const output = error instanceof Error && "stdout" in error ? String(error.stdout) : String(error);
    throw new Error(`building examples/dist failed:\n${output}`);
  }
  const program = startProgram(EXAMPLE_SERVER, ["--listen", "http://127.0.0.1:0"]);
  try {
    const [, port = ""] = await program.waitFor(/an exact echo at ws:\/\/127\.0\.0\.1:(\d+)\/echo\//);
    return { port: Number(port), program };
  } catch (error) {
    await program.stop();
    throw error;
  }
}
