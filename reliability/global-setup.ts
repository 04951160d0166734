// Vitest global setup: build this package, the server and the examples, so child-process tests
// (the CLI, the example server's /echo/ for the conformance suite) run the current code.
import { fileURLToPath } from "node:url";
import { buildProjects } from "../vitest.build.ts";

/** Build this package and the examples, with their references. */
export default function setup(): void {
  buildProjects(fileURLToPath(new URL(".", import.meta.url)), fileURLToPath(new URL("../examples/", import.meta.url)));
}
