// Programs run as child processes from their built files: output gathered, patterns awaited, exit seen.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The reliability program: the `fiberws` command with the echo and counter (built to dist/). */
export const RELIABILITY_CLI = fileURLToPath(new URL("../dist/reliability-cli.js", import.meta.url));
/** The `fiberws` command as installed (it runs the server package's dist/). */
export const FIBERWS_BIN = fileURLToPath(new URL("../../packages/server/bin/fiberws.js", import.meta.url));

/** A program started with node. */
export interface Program {
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout then stderr. */
  output(): string;
  /**
   * Wait until its output matches `pattern`.
   * @throws Error if it exits first or `timeout` ms pass.
   */
  waitFor(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>;
  /** Its exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** Kill it if it still runs, and wait for its exit. */
  stop(): Promise<void>;
}

/**
 * Start `file` with node and these arguments.
 * @param file the program's path.
 * @param args its arguments.
 * @returns the running program.
 * @example
 * const cli = startProgram(FIBERWS_BIN, ["--config", configFile]);
 * const [, url] = await cli.waitFor(/started on (http:\S+)/);
 */
export function startProgram(file: string, args: string[]): Program {
  const child = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const checks = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      text += chunk;
      for (const check of [...checks]) check();
    });
  }
  let hasExited = false;
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      hasExited = true;
      for (const check of [...checks]) check();
      resolve(code ?? signal ?? "unknown");
    }),
  );
  const waitFor = (pattern: RegExp, timeout = 10_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeout} ms:\n${text}`)), timeout);
      const finish = (error: Error | undefined, match?: RegExpMatchArray): void => {
        clearTimeout(timer);
        checks.delete(check);
        if (match) resolve(match);
        else reject(error);
      };
      const check = (): void => {
        const match = pattern.exec(text);
        if (match) finish(undefined, match);
        else if (hasExited) finish(new Error(`${file} exited before printing ${pattern}:\n${text}`));
      };
      checks.add(check);
      check();
    });
  const stop = async (): Promise<void> => {
    if (!hasExited) child.kill("SIGKILL");
    await exited;
  };
  return { child, output: () => text, waitFor, exited, stop };
}
