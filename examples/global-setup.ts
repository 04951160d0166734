// Vitest global setup for the examples: build dist/ so child-process tests run the current code.
import { fileURLToPath } from "node:url";
import { buildProjects } from "../vitest.build.ts";

/** Build the examples and the packages they use. */
export default function setup(): void {
  buildProjects(fileURLToPath(new URL(".", import.meta.url)));
}
