// Vitest global setup for the examples: build dist/ (incrementally) so child-process tests run the current code.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Build the examples and the packages they use with `tsc -b`; quick when nothing changed. */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const examples = fileURLToPath(new URL(".", import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, "-b", examples], { stdio: "pipe" });
  } catch (error) {
    const output = error instanceof Error && "stdout" in error ? String(error.stdout) : String(error);
    throw new Error(`building examples/dist failed:\n${output}`);
  }
}
