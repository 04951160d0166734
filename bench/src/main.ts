// Program `pnpm bench`: runs the workloads against ws, fiberws and the raw echo, writes the report.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "effection";
import { useGeneratorPool } from "./harness/generator-pool.js";
import { serverSpecs } from "./harness/server-process.js";
import { parseOptions, USAGE } from "./options.js";
import { renderReport } from "./report.js";
import { runBench } from "./runner.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const RESULTS = join(ROOT, "bench", "results");

await main(function* (args) {
  const options = parseOptions(args);
  if (options === "help") {
    console.log(USAGE);
    return;
  }
  if (options.diagnostics !== undefined) options.diagnostics.dir = resolve(ROOT, options.diagnostics.dir);
  const pool = yield* useGeneratorPool(options.generators);
  const results = yield* runBench(serverSpecs(ROOT), options, pool, (line) => console.error(line));
  const date = new Date().toISOString().slice(0, 10);
  const report = renderReport(results, {
    date,
    command: ["pnpm bench", ...args].join(" "),
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown CPU",
    cores: cpus().length,
    rounds: options.rounds,
  });
  console.log(report);
  const name = `${date}${options.quick ? "-quick" : ""}`;
  const folder = options.out === undefined ? RESULTS : resolve(ROOT, options.out);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.md`), report);
  writeFileSync(join(folder, `${name}.json`), JSON.stringify({ options, results }, null, 2));
  console.error(`written to ${relative(process.cwd(), join(folder, `${name}.md`))}`);
  if (options.diagnostics !== undefined) console.error(`profiles in ${relative(process.cwd(), options.diagnostics.dir)}`);
});
