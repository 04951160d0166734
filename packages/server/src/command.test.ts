import { execFileSync, spawn, type ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
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

  it("skips a leading -- as pnpm passes it, and only a leading one", () => {
    expect(parseCliArgs(["--", "--listen", "http://a:1"]).listen).toEqual(["http://a:1"]);
    expect(parseCliArgs(["--"]).listen).toEqual([]);
    expect(() => parseCliArgs(["--", "--", "--debug"])).toThrow(CliUsageError);
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

  it("names the program's own default config in its usage text", async () => {
    const stdout = capture(process.stdout);
    try {
      expect(await runCli(["--", "--help"], { configFile: "/srv/app/site.json5" })).toBe(0);
      expect(await runCli(["--help"])).toBe(0);
    } finally {
      stdout.restore();
    }
    expect(stdout.text()).toContain("--config FILE   the json5 configuration (default: /srv/app/site.json5)\n");
    expect(stdout.text()).toContain("(default: web.json5 in the working directory)\n");
  });

  it("returns 2 for a usage error and 1 for a config file that cannot be read", async () => {
    const stderr = capture(process.stderr);
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
    const stderr = capture(process.stderr);
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
  const children: CliProcess[] = [];
  /** Start a program with node, its output gathered; it is killed after the test if still running. */
  const startCli = (script: string, args: string[]): CliProcess => {
    const cli = spawnCli(script, args);
    children.push(cli);
    return cli;
  };
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
    // A program with its own actions, as a user writes one, on the built package.
    writeFileSync(
      join(dir, "app.mjs"),
      `import { cliMain, webAddAction, webReadBody, webSocketAction, webWriteResponse } from ${JSON.stringify(
        pathToFileURL(join(packageDir, "dist/mod.js")).href,
      )};
await cliMain({
  setup(server) {
    webAddAction(server, "/ws", webSocketAction(() => {}));
    webAddAction(server, "/upload", function* (web) {
      if (web.kind !== "http") return;
      console.log("upload started");
      const body = yield* webReadBody(web);
      yield* webWriteResponse(web, 200, "got " + body.length + " bytes");
    });
  },
  onServing: (service) => console.log("serving " + service.urls.join(" ")),
});
`,
    );
    writeFileSync(
      join(dir, "app.json5"),
      "{ web: { listen: ['http://127.0.0.1:0', 'http://127.0.0.1:0'], routes: [{ match: '/', handler: 'action' }], timeouts: { close: '1s' } } }",
    );
  }, 120_000);
  afterEach(() => {
    for (const cli of children.splice(0)) cli.child.kill("SIGKILL");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves a request, then stops on SIGTERM with exit status 0 and one line per start and stop", async () => {
    const cli = startCli(join(packageDir, "bin/fiberws.js"), ["--config", join(dir, "web.json5"), "--listen", "http://127.0.0.1:0"]);
    const [, port] = await cli.waitFor(/started on http:\/\/127\.0\.0\.1:(\d+)/);
    const res = await fetchText(Number(port), "/");
    expect(res.status).toBe(200);
    expect(res.body).toContain("hello from fiberws");
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    const lines = cli.output().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/INFO +fiberws: started on http:\/\/127\.0\.0\.1:\d+/);
    expect(lines[1]).toMatch(/INFO +fiberws: stopped on SIGTERM/);
  }, 20_000);

  it("stops cleanly with status 0 on a SIGTERM sent the moment the started line appears, every time", async () => {
    for (let round = 0; round < 5; round++) {
      const cli = startCli(join(packageDir, "bin/fiberws.js"), ["--config", join(dir, "web.json5"), "--listen", "http://127.0.0.1:0"]);
      cli.onOutput(/started on/, () => cli.child.kill("SIGTERM"));
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/stopped on SIGTERM/);
    }
  }, 30_000);

  it("tells the program every bound URL, the real ports of :0 listeners included", async () => {
    const cli = startCli(join(dir, "app.mjs"), ["--config", join(dir, "app.json5")]);
    const [, urls = ""] = await cli.waitFor(/serving (.*)\n/);
    const [, started = ""] = await cli.waitFor(/started on (.*) \(config/);
    const bound = urls.split(" ");
    expect(bound).toHaveLength(2);
    for (const url of bound) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(started).toBe(bound.join(", "));
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
  }, 20_000);

  it("exits 0 promptly on SIGTERM, even a repeated one, with WebSockets open and an HTTP request in flight", async () => {
    const cli = startCli(join(dir, "app.mjs"), ["--config", join(dir, "app.json5")]);
    const [, port] = await cli.waitFor(/started on http:\/\/127\.0\.0\.1:(\d+)/);
    const sockets = await Promise.all([openSocket(`ws://127.0.0.1:${port}/ws`), openSocket(`ws://127.0.0.1:${port}/ws/room`)]);
    const upload = connect(Number(port), "127.0.0.1");
    let answer = "";
    upload.setEncoding("utf8").on("data", (chunk: string) => (answer += chunk));
    const uploadEnded = once(upload, "close");
    upload.write("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n12345");
    await cli.waitFor(/upload started/);

    const stopping = Date.now();
    cli.child.kill("SIGTERM");
    // The WebSockets are told the server is going away; a second signal meanwhile changes nothing.
    for (const socket of sockets) expect((await socket.closed).code).toBe(1001);
    cli.child.kill("SIGTERM");
    // The request in flight may still finish.
    upload.write("67890");
    await uploadEnded;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain("got 10 bytes");
    expect(await cli.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(2000);
  }, 20_000);
});

/** A program started with node, as {@link spawnCli} runs it. */
interface CliProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Call `react` synchronously, in the same turn, when the output first matches `pattern`. */
  onOutput(pattern: RegExp, react: (match: RegExpExecArray) => void): void;
  /** Wait until the output matches `pattern`; fails if the program exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** The exit code (or the signal's name) once the program has ended. */
  readonly exited: Promise<number | string>;
}

/** Run a script with node, gathering its output. */
function spawnCli(script: string, args: string[]): CliProcess {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const watchers = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      text += chunk;
      for (const watcher of [...watchers]) watcher();
    });
  }
  const exited = new Promise<number | string>((resolveExit) =>
    child.once("exit", (code, signal) => resolveExit(code ?? signal ?? "unknown")),
  );
  const onOutput = (pattern: RegExp, react: (match: RegExpExecArray) => void): void => {
    const watcher = (): void => {
      const match = pattern.exec(text);
      if (!match) return;
      watchers.delete(watcher);
      react(match);
    };
    watchers.add(watcher);
    watcher();
  };
  const waitFor = (pattern: RegExp): Promise<RegExpExecArray> =>
    Promise.race([
      new Promise<RegExpExecArray>((resolveMatch) => onOutput(pattern, resolveMatch)),
      exited.then((status) => Promise.reject(new Error(`exited (${status}) before printing ${pattern}:\n${text}`))),
    ]);
  return { child, output: () => text, onOutput, waitFor, exited };
}
/** Open a WebSocket with `ws`; its close code once it closes. */
async function openSocket(url: string): Promise<{ socket: WebSocket; closed: Promise<{ code: number }> }> {
  const socket = new WebSocket(url);
  const closed = new Promise<{ code: number }>((resolveClose) => socket.once("close", (code: number) => resolveClose({ code })));
  await once(socket, "open");
  return { socket, closed };
}

/** Collect what is written to a stream (stdout or stderr) until `restore` is called. */
function capture(stream: NodeJS.WriteStream): { text(): string; restore(): void } {
  const original = stream.write.bind(stream);
  let text = "";
  stream.write = ((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  }) as typeof stream.write;
  return { text: () => text, restore: () => (stream.write = original) };
}
