import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliUsageError, parseCliArgs, runCli } from "./command.js";
import { fetchText } from "./server.test-helpers.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoDir = resolve(packageDir, "../..");

describe("parseCliArgs", () => {
  it("reads --config, repeated --listen and --debug", () => {
    expect(parseCliArgs(["--config", "web.json5", "--listen", "http://a:1", "--listen", "http://b:2", "--debug"])).toEqual({
      config: "web.json5",
      listen: ["http://a:1", "http://b:2"],
      debug: true,
      help: false,
    });
  });

  it("refuses unknown options and positional arguments", () => {
    expect(() => parseCliArgs(["--port", "1"])).toThrow(CliUsageError);
    expect(() => parseCliArgs(["web.json5"])).toThrow(CliUsageError);
  });
});

describe("runCli", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fiberws-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("returns 2 for a usage error and 1 for a config file that cannot be read", async () => {
    const stderr = captureStderr();
    try {
      expect(await runCli(["--bogus"])).toBe(2);
      expect(await runCli(["--config", join(dir, "missing.json5")])).toBe(1);
      expect(stderr.text()).toContain("missing.json5");
    } finally {
      stderr.restore();
    }
  });

  it("returns 1 and names the key for an invalid config", async () => {
    const file = join(dir, "bad.json5");
    writeFileSync(file, "{ web: { limits: { maxFrame: 'big' } } }");
    const stderr = captureStderr();
    try {
      expect(await runCli(["--config", file])).toBe(1);
      expect(stderr.text()).toContain("web.limits.maxFrame");
    } finally {
      stderr.restore();
    }
  });
});

describe("the fiberws command", () => {
  let dir: string;
  beforeAll(() => {
    execFileSync(process.execPath, [join(repoDir, "node_modules/typescript/bin/tsc"), "-b", packageDir], {
      cwd: repoDir,
      stdio: "inherit",
    });
    dir = mkdtempSync(join(tmpdir(), "fiberws-cli-"));
    writeFileSync(join(dir, "index.html"), "<h1>hello from fiberws</h1>\n");
    writeFileSync(
      join(dir, "web.json5"),
      "{ web: { listen: ['http://127.0.0.1:4100'], documents: '.', routes: [{ match: '/', handler: 'file' }] } }",
    );
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves a request, then stops on SIGTERM with exit status 0 and one line per start and stop", async () => {
    const child = spawn(
      process.execPath,
      [join(packageDir, "bin/fiberws.js"), "--config", join(dir, "web.json5"), "--listen", "http://127.0.0.1:0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, "exit");
    try {
      const port = await new Promise<number>((resolvePort, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start line: ${output}`)), 10_000);
        child.stdout.on("data", () => {
          const found = /started on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (found) {
            clearTimeout(timer);
            resolvePort(Number(found[1]));
          }
        });
      });
      const res = await fetchText(port, "/");
      expect(res.status).toBe(200);
      expect(res.body).toContain("hello from fiberws");
      child.kill("SIGTERM");
      const [code] = await exited;
      expect(code).toBe(0);
      const lines = output.trim().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/INFO +fiberws: started on http:\/\/127\.0\.0\.1:\d+/);
      expect(lines[1]).toMatch(/INFO +fiberws: stopped on SIGTERM/);
    } finally {
      child.kill("SIGKILL");
    }
  }, 20_000);
});

/** Collect what is written to stderr until `restore` is called. */
function captureStderr(): { text(): string; restore(): void } {
  const original = process.stderr.write.bind(process.stderr);
  let text = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  return { text: () => text, restore: () => (process.stderr.write = original) };
}
