import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exampleConfigFile, openClient, startProgram, type ChildProgram } from "./example-server.test-helpers.js";

/** Start the example server and wait for the URL it logs. */
async function startServer(args: string[], env: Record<string, string> = {}): Promise<{ program: ChildProgram; url: string }> {
  const program = startProgram("server.js", args, env);
  const [, url = ""] = await program.waitFor(/started on (http:\/\/127\.0\.0\.1:\d+)/);
  return { program, url };
}

describe("the example server (dist/server.js)", () => {
  let program: ChildProgram | undefined;
  let folder: string | undefined;
  afterEach(() => {
    program?.child.kill("SIGKILL");
    program = undefined;
    if (folder) rmSync(folder, { recursive: true, force: true });
    folder = undefined;
  });

  it("serves the page and every endpoint, logs the URLs, and stops cleanly on SIGINT", async () => {
    const started = await startServer(["--listen", "http://127.0.0.1:0"]);
    program = started.program;
    const socket = started.url.replace("http:", "ws:");
    // The port bound for :0 is named in every URL.
    expect(program.output()).toContain(
      `the page at ${started.url}/, the seed's echo at ${socket}/ws/, an exact echo at ${socket}/echo/, ` +
        `telemetry at ${socket}/telemetry/, chat at ${socket}/chat/`,
    );

    const page = await fetch(`${started.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('id="chat-log"');
    for (const asset of ["app.js", "style.css"]) expect((await fetch(`${started.url}/${asset}`)).status).toBe(200);

    const ws = await openClient(`${socket}/ws/`);
    ws.socket.send("hi");
    expect(await ws.next()).toBe("echo: hi");
    const echo = await openClient(`${socket}/echo/`);
    echo.socket.send("same");
    expect(await echo.next()).toBe("same");
    const telemetry = await openClient(`${socket}/telemetry/`);
    expect(await telemetry.nextJson()).toMatchObject({ type: "telemetry" });
    const chat = await openClient(`${socket}/chat/`, ["chat"]);
    expect(chat.socket.protocol).toBe("chat");

    program.child.kill("SIGINT");
    // Every open connection is told the server is going away.
    for (const client of [ws, echo, telemetry, chat]) expect((await client.closed).code).toBe(1001);
    await program.waitFor(/stopped on SIGINT/);
    expect(await program.exited).toBe(0);
  });

  it("listens on the port PORT names, and logs each example's URL", async () => {
    const port = 4101 + Math.floor(Math.random() * 800);
    const started = await startServer([], { PORT: String(port) });
    program = started.program;
    const base = `127.0.0.1:${port}`;
    expect(started.url).toBe(`http://${base}`);
    expect(program.output()).toContain(
      `the page at http://${base}/, the seed's echo at ws://${base}/ws/, an exact echo at ws://${base}/echo/, ` +
        `telemetry at ws://${base}/telemetry/, chat at ws://${base}/chat/`,
    );
    expect((await fetch(`http://${base}/`)).status).toBe(200);
    program.child.kill("SIGTERM");
    expect(await program.exited).toBe(0);
  });

  it("runs the same handlers under the config --config names", async () => {
    folder = mkdtempSync(join(tmpdir(), "examples-config-"));
    const file = join(folder, "only-echo.json5");
    writeFileSync(
      file,
      `{ web: { listen: 'http://127.0.0.1:0',
                routes: [{ match: '/echo/', handler: 'action' }] } }`,
    );
    // As `pnpm start -- --config FILE` passes it, with the `--`.
    const started = await startServer(["--", "--config", file]);
    program = started.program;
    expect(program.output()).toContain(file);
    expect((await fetch(`${started.url}/`)).status).toBe(404);
    const echo = await openClient(`${started.url.replace("http:", "ws:")}/echo/`);
    echo.socket.send("still an echo");
    expect(await echo.next()).toBe("still an echo");
  });

  it("names its own web.json5 as the default config in its usage text", async () => {
    program = startProgram("server.js", ["--", "--help"]);
    expect(await program.exited).toBe(0);
    expect(program.output()).toContain(`(default: ${exampleConfigFile})`);
  });

  it("refuses a config with a mistake, naming the file, line and key", async () => {
    folder = mkdtempSync(join(tmpdir(), "examples-config-"));
    const file = join(folder, "bad.json5");
    writeFileSync(file, "{\n  web: {\n    limits: { maxFrame: 'big' },\n  },\n}\n");
    program = startProgram("server.js", ["--config", file]);
    expect(await program.exited).toBe(1);
    await program.waitFor(/bad\.json5:3:15: web\.limits\.maxFrame: expected a size/, "stderr");
  });
});
