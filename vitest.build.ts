// Builds workspace projects with `tsc -b` before tests that run their dist/ as child processes.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

/**
 * Brings the given TypeScript projects (and their references) up to date with `tsc -b`;
 * incremental, so quick when nothing changed.
 * @param folders absolute paths of the projects to build
 * @throws Error with the compiler's output when the build fails
 */
export function buildProjects(...folders: string[]): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-b", ...folders], { stdio: "pipe" });
  } catch (error) {
    const output = error instanceof Error && "stdout" in error ? String(error.stdout) : String(error);
    throw new Error(`building ${folders.join(", ")} failed:\n${output}`);
  }
}
