// Vitest global setup: build this package and the server (incrementally) so child-process tests run the current code.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** Build with `tsc -b` (this package and its references); quick when nothing changed. */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const folder = fileURLToPath(new URL(".", import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, "-b", folder], { stdio: "pipe" });
  } catch (error) {
    const output = error instanceof Error && "stdout" in error ? String(error.stdout) : String(error);
    throw new Error(`building reliability/dist failed:\n${output}`);
  }
}
