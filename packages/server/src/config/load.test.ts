import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { applyOverrides, defaultConfig, loadConfig, parseConfig } from "./load.js";
import type { WebConfig } from "./types.js";

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "fiberws-config-"));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Write `text` as `name` in the test folder; returns its path. */
function writeConfig(text: string, name = "web.json5"): string {
  const file = join(folder, name);
  writeFileSync(file, text);
  return file;
}

/** The ConfigError message that parsing `text` as web.json5 produces. */
function refusal(text: string): string {
  try {
    parseConfig(text, "web.json5");
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("the config was accepted");
}

/** The default config with its paths under `base`. */
function defaultsUnder(base: string): WebConfig {
  return {
    file: undefined,
    listen: ["http://127.0.0.1:4100"],
    documents: resolve(base, "site"),
    index: "index.html",
    webSockets: { enable: true, protocols: [], ping: 0, hibernate: 100, validateUTF: true, origins: undefined },
    limits: { maxFrame: 131072, maxMessage: 1048576, connections: Infinity, header: 10240, body: 102400, fibers: 0 },
    timeouts: { parse: 5000, inactivity: 300_000, request: 300_000, close: 5000, send: 0 },
    routes: [],
    log: { level: "info", path: "stdout" },
  };
}

describe("defaults", () => {
  it("gives every key its documented default", () => {
    expect(defaultConfig(folder)).toStrictEqual(defaultsUnder(folder));
  });

  it("loads an empty file, or one with an empty web, as the defaults", () => {
    for (const text of ["{}", "{ web: {} }", "// nothing set\n{ web: { limits: {}, routes: [] } }"]) {
      const file = writeConfig(text);
      expect(loadConfig(file)).toStrictEqual({ ...defaultsUnder(folder), file });
    }
  });
});

describe("loadConfig", () => {
  it("normalizes the example config: units applied, protocol listed, paths absolute", () => {
    const file = writeConfig(`{
      web: {
        listen: ['http://127.0.0.1:4100'],
        documents: './site', index: 'index.html',
        webSockets: { enable: true, protocol: 'chat', ping: 'never', validateUTF: true },
        limits: { maxFrame: '128K', maxMessage: '1MB', connections: '10000', header: '10K', body: '100K' },
        timeouts: { parse: '5secs', inactivity: '5mins', request: '5mins' },
        routes: [
          { match: '/ws/', handler: 'action' },
          { match: '/',    handler: 'file', documents: './site' },
        ],
      },
    }`);
    const config = loadConfig(file);
    expect(config.file).toBe(file);
    expect(config.webSockets).toStrictEqual({ enable: true, protocols: ["chat"], ping: 0, hibernate: 100, validateUTF: true, origins: undefined });
    expect(config.limits).toStrictEqual({ maxFrame: 131072, maxMessage: 1048576, connections: 10000, header: 10240, body: 102400, fibers: 0 });
    expect(config.timeouts).toStrictEqual({ parse: 5000, inactivity: 300_000, request: 300_000, close: 5000, send: 0 });
    expect(config.routes).toStrictEqual([
      { match: "/ws/", handler: "action", documents: undefined, methods: undefined },
      { match: "/", handler: "file", documents: join(folder, "site"), methods: undefined },
    ]);
  });

  it("resolves relative paths against the config file's folder, not the working folder", () => {
    mkdirSync(join(folder, "conf"));
    const file = writeConfig(
      `{ web: { documents: '../www', log: { path: 'logs/web.log' }, routes: [{ match: '/', handler: 'file', documents: 'public' }] } }`,
      "conf/web.json5",
    );
    const config = loadConfig(relative(process.cwd(), file));
    expect(config.file).toBe(file);
    expect(config.documents).toBe(join(folder, "www"));
    expect(config.log.path).toBe(join(folder, "conf", "logs", "web.log"));
    expect(config.routes[0]?.documents).toBe(join(folder, "conf", "public"));
  });

  it("keeps absolute paths as they are", () => {
    const elsewhere = resolve(folder, "..", "elsewhere");
    const config = loadConfig(writeConfig(`{ web: { documents: ${JSON.stringify(elsewhere)} } }`));
    expect(config.documents).toBe(elsewhere);
  });

  it("accepts the list forms and normalizes names, methods and origins", () => {
    const config = loadConfig(writeConfig(`{ web: {
      listen: ['http://127.0.0.1:0', 'HTTP://[::1]:8080/'],
      webSockets: { protocol: ['chat', 'superchat'], origins: ['https://App.Example/', 'http://localhost:3000'], ping: '30secs', hibernate: 'never' },
      limits: { fibers: 'unlimited', connections: 'unlimited', maxMessage: 'unlimited' },
      routes: [{ match: '/api/', handler: 'action', methods: ['get', 'Post'] }, { match: '', handler: 'file', methods: 'head' }],
      log: { level: 'trace', path: 'stderr' },
    } }`));
    expect(config.listen).toStrictEqual(["http://127.0.0.1:0", "http://[::1]:8080"]);
    expect(config.webSockets.protocols).toStrictEqual(["chat", "superchat"]);
    expect(config.webSockets.origins).toStrictEqual(["https://app.example", "http://localhost:3000"]);
    expect(config.webSockets.ping).toBe(30_000);
    expect(config.webSockets.hibernate).toBe(0);
    expect(config.limits.fibers).toBe(0);
    expect(config.limits.connections).toBe(Infinity);
    expect(config.limits.maxMessage).toBe(Infinity);
    expect(config.routes.map((route) => route.methods)).toStrictEqual([["GET", "POST"], ["HEAD"]]);
    expect(config.log).toStrictEqual({ level: "trace", path: "stderr" });
  });

  it("names a missing file clearly", () => {
    const file = join(folder, "absent.json5");
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(`${file}: cannot read the config file: no such file`);
  });

  it("names a folder given as the config file", () => {
    expect(() => loadConfig(folder)).toThrow(`${folder}: cannot read the config file: it is a folder, not a file`);
  });
});

describe("error messages", () => {
  it("names file, line and column for a json5 syntax error", () => {
    const text = "{\n  web: {\n    index: 'index.html',\n    documents: x\n  }\n}";
    expect(refusal(text)).toBe("web.json5:4:16: invalid character 'x'");
  });

  it("names file, line and column when the text ends early", () => {
    expect(refusal("{ web: {")).toBe("web.json5:1:9: invalid end of input");
  });

  it("names file, line, column, key path and what was expected for a bad value", () => {
    const text = "{\n  web: {\n    limits: {\n      maxFrame: 'big',\n    },\n  },\n}";
    expect(refusal(text)).toBe("web.json5:4:7: web.limits.maxFrame: expected a size like '128K', got 'big'");
  });

  it.each([
    ["{ web: { timeouts: { parse: 'soon' } } }", "web.json5:1:22: web.timeouts.parse: expected a time like '30secs' or 'never', got 'soon'"],
    [
      "{ web: { timeouts: { inactivity: '30 days' } } }",
      "web.json5:1:22: web.timeouts.inactivity: '30 days' is longer than the longest timeout, 24 days (2147483647 ms); use 'never' for none",
    ],
    ["{ web: { limits: { connections: 'lots' } } }", "web.json5:1:20: web.limits.connections: expected a count like '10000' or 'unlimited', got 'lots'"],
    ["{ web: { webSockets: { enable: 'yes' } } }", "web.json5:1:24: web.webSockets.enable: expected true or false, got 'yes'"],
    ["{ web: { limits: 5 } }", "web.json5:1:10: web.limits: expected an object, got 5"],
    ["{ web: { routes: { match: '/' } } }", "web.json5:1:10: web.routes: expected a list, got an object"],
    ["{ web: { index: 'a/b.html' } }", "web.json5:1:10: web.index: expected a file name like 'index.html', got 'a/b.html'"],
    ["{ web: { log: { level: 'loud' } } }", "web.json5:1:17: web.log.level: expected one of 'error', 'info', 'debug', 'trace', got 'loud'"],
    ["{ web: { webSockets: { protocol: 'two words' } } }", "web.json5:1:24: web.webSockets.protocol: expected a subprotocol name (letters, digits and !#$%&'*+-.^_`|~), got 'two words'"],
    ["{ web: { webSockets: { origins: ['https://a.example/app'] } } }", "web.json5:1:34: web.webSockets.origins[0]: expected an origin like 'https://app.example', got 'https://a.example/app'"],
    ["[]", "web.json5: expected an object, got a list"],
  ])("reports a wrong type or value: %s", (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it.each([
    ["{ web: { listen: 'https://127.0.0.1:4100' } }", "web.json5:1:10: web.listen: expected an http://host:port URL such as 'http://127.0.0.1:4100', got 'https://127.0.0.1:4100'"],
    ["{ web: { listen: ['http://127.0.0.1:4100', 'localhost'] } }", "web.json5:1:44: web.listen[1]: expected an http://host:port URL such as 'http://127.0.0.1:4100', got 'localhost'"],
    ["{ web: { listen: [] } }", "web.json5:1:10: web.listen: expected at least one listen URL, got an empty list"],
  ])("reports a bad listen URL: %s", (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it.each([
    ["{ web: { routes: [{ handler: 'file' }] } }", "web.json5:1:19: web.routes[0].match: required key is missing"],
    ["{ web: { routes: [{ match: '/' }] } }", "web.json5:1:19: web.routes[0].handler: required key is missing"],
    ["{ web: { routes: [{ match: '/', handler: 'files' }] } }", "web.json5:1:33: web.routes[0].handler: expected one of 'action', 'file', got 'files'"],
    ["{ web: { routes: [{ match: 'ws', handler: 'action' }] } }", "web.json5:1:21: web.routes[0].match: expected a URL path starting with '/' (or '' for every path), got 'ws'"],
    ["{ web: { routes: [{ match: '/', handler: 'file', methods: [] }] } }", "web.json5:1:50: web.routes[0].methods: expected at least one method, got an empty list"],
    ["{ web: { routes: [{ match: '/', handler: 'file', methods: ['G T'] }] } }", "web.json5:1:60: web.routes[0].methods[0]: expected an HTTP method like 'GET', got 'G T'"],
    ["{ web: { routes: ['/'] } }", "web.json5:1:19: web.routes[0]: expected an object, got '/'"],
  ])("reports a bad route: %s", (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it("reports an unknown key with its path and a suggestion when one is close", () => {
    expect(refusal("{ web: { limits: { maxframe: '1K' } } }")).toBe(
      "web.json5:1:20: web.limits.maxframe: unknown key; did you mean 'maxFrame'?",
    );
    expect(refusal("{ web: { routes: [{ match: '/', handler: 'file', method: 'GET' }] } }")).toBe(
      "web.json5:1:50: web.routes[0].method: unknown key; did you mean 'methods'?",
    );
  });

  it("lists the known keys when an unknown key is not close to any", () => {
    expect(refusal("{ server: {} }")).toBe("web.json5:1:3: server: unknown key; known keys are 'web'");
    expect(refusal("{ web: { 'cache control': true } }")).toBe(
      `web.json5:1:10: web["cache control"]: unknown key; known keys are 'listen', 'documents', 'index', 'webSockets', 'limits', 'timeouts', 'routes', 'log'`,
    );
    expect(refusal("{ web: { log: { colour: 'red' } } }")).toBe(
      "web.json5:1:17: web.log.colour: unknown key; known keys are 'level', 'path'",
    );
  });

  it("reports every problem at once, one per line, in file order", () => {
    const text = [
      "{",
      "  web: {",
      "    timouts: {},",
      "    limits: { maxFrame: 'big', body: -1 },",
      "    listen: 'localhost',",
      "  },",
      "}",
    ].join("\n");
    let caught: unknown;
    try {
      parseConfig(text, "conf/web.json5");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.file).toBe("conf/web.json5");
    expect(error.problems.map((problem) => problem.path)).toStrictEqual([
      "web.timouts", "web.limits.maxFrame", "web.limits.body", "web.listen",
    ]);
    expect(error.message.split("\n")).toStrictEqual([
      "conf/web.json5:3:5: web.timouts: unknown key; did you mean 'timeouts'?",
      "conf/web.json5:4:15: web.limits.maxFrame: expected a size like '128K', got 'big'",
      "conf/web.json5:4:32: web.limits.body: expected a size like '128K', got -1",
      "conf/web.json5:5:5: web.listen: expected an http://host:port URL such as 'http://127.0.0.1:4100', got 'localhost'",
    ]);
  });

  it("reports bad values found in a file loaded from disk with that file's name", () => {
    const file = writeConfig("{ web: { limits: { header: 'huge' } } }");
    expect(() => loadConfig(file)).toThrow(`${file}:1:20: web.limits.header: expected a size like '128K', got 'huge'`);
  });
});

describe("applyOverrides", () => {
  it("replaces the listen addresses with one URL or several", () => {
    const config = defaultConfig(folder);
    expect(applyOverrides(config, { listen: "http://0.0.0.0:8080" }).listen).toStrictEqual(["http://0.0.0.0:8080"]);
    expect(applyOverrides(config, { listen: ["http://127.0.0.1:1", "http://127.0.0.1:2/"] }).listen).toStrictEqual([
      "http://127.0.0.1:1", "http://127.0.0.1:2",
    ]);
  });

  it("sets the log level and leaves the rest, and the original config, unchanged", () => {
    const config = defaultConfig(folder);
    const debug = applyOverrides(config, { logLevel: "debug" });
    expect(debug.log).toStrictEqual({ level: "debug", path: "stdout" });
    expect(debug.listen).toStrictEqual(config.listen);
    expect(config.log.level).toBe("info");
    expect(applyOverrides(config, {})).toStrictEqual(config);
  });

  it("refuses a bad --listen URL, naming the option", () => {
    const config = defaultConfig(folder);
    expect(() => applyOverrides(config, { listen: "localhost:80" })).toThrow(
      "--listen: expected an http://host:port URL such as 'http://127.0.0.1:4100', got 'localhost:80'",
    );
    expect(() => applyOverrides(config, { listen: [] })).toThrow("--listen: expected at least one listen URL, got an empty list");
  });
});
