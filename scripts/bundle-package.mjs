// Writes a library package's JavaScript: one bundle per entry point, built from its TypeScript.
//
// `tsc -b` type-checks each package and writes its declarations, doc comments included, to
// dist/. This writes the JavaScript beside them, bundled per package by esbuild, without
// comments; the package's dependencies (the other @fiberws packages among them) stay imports.
// Why: V8 keeps ~6 KB of heap per loaded ES module (its record, namespace, scope and function
// infos) besides its source text, and the example server loaded ~100 modules of ours. Its live
// heap then sat at V8's 8 MB threshold for incremental marking, and large-message workloads
// paid for back-to-back full collections (docs/BENCHMARKS.md). Bundled, it idles at 5.4 MB of
// old generation instead of 6.2.
//
// Usage, from a package's folder: node ../../scripts/bundle-package.mjs src/mod.ts [src/cli.ts ...]
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const entryPoints = process.argv.slice(2);
if (entryPoints.length === 0) {
  console.error("usage: node bundle-package.mjs ENTRY.ts...");
  process.exit(2);
}

/** Remove the JavaScript of an earlier build under `dir` (the declarations stay). */
function removeJavaScript(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeJavaScript(path);
    else if (entry.name.endsWith(".js") || entry.name.endsWith(".js.map")) rmSync(path);
  }
}

removeJavaScript("dist");
await build({
  entryPoints,
  outdir: "dist",
  outbase: "src",
  // Code shared by two entry points goes to a chunk they both import: one instance of it.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  packages: "external",
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});
