import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkBoolean, checkFileName, checkListenUrl, checkLogPath, checkMethod, checkOneOf, checkOrigin,
  checkPath, checkProtocolName, checkRouteMatch,
} from "./values.js";

describe("checkListenUrl", () => {
  it.each([
    ["http://127.0.0.1:4100", "http://127.0.0.1:4100"],
    ["http://127.0.0.1:4100/", "http://127.0.0.1:4100"],
    ["HTTP://LocalHost:80", "http://localhost:80"],
    ["http://0.0.0.0:0", "http://0.0.0.0:0"],
    ["http://[::1]:8080", "http://[::1]:8080"],
    [" http://example.test:65535 ", "http://example.test:65535"],
  ])("accepts %j as %j", (url, normalized) => {
    expect(checkListenUrl(url)).toBe(normalized);
  });

  it.each([
    ["https://127.0.0.1:4100"],
    ["http://127.0.0.1"],
    ["127.0.0.1:4100"],
    ["4100"],
    [4100],
    ["http://127.0.0.1:65536"],
    ["http://127.0.0.1:4100/path"],
    ["http://127.0.0.1:4100?x=1"],
    ["http://user@127.0.0.1:4100"],
    ["http://:4100"],
    ["http://bad host:4100"],
  ])("refuses %j", (url) => {
    expect(() => checkListenUrl(url)).toThrow(/^expected an http:\/\/host:port URL such as 'http:\/\/127.0.0.1:4100', got /);
  });
});

describe("checkOrigin", () => {
  it.each([
    ["https://a.example", "https://a.example"],
    ["https://A.Example/", "https://a.example"],
    ["https://a.example:443", "https://a.example"],
    ["http://localhost:3000", "http://localhost:3000"],
  ])("accepts %j as %j", (origin, normalized) => {
    expect(checkOrigin(origin)).toBe(normalized);
  });

  it.each([["a.example"], ["https://a.example/path"], ["https://a.example/."], ["https://a.example?q"], ["https://u@a.example"], ["file:///tmp"], ["*"], [3]])(
    "refuses %j",
    (origin) => {
      expect(() => checkOrigin(origin)).toThrow(/^expected an origin like 'https:\/\/app.example', got /);
    },
  );
});

describe("names and words", () => {
  it("accepts subprotocol tokens and refuses names with spaces, commas or nothing", () => {
    expect(checkProtocolName("chat.v2")).toBe("chat.v2");
    for (const bad of ["two words", "a,b", "", 7]) expect(() => checkProtocolName(bad)).toThrow(/expected a subprotocol name/);
  });

  it("upper-cases methods and refuses non-tokens", () => {
    expect(checkMethod("get")).toBe("GET");
    expect(checkMethod("PROPFIND")).toBe("PROPFIND");
    expect(() => checkMethod("GE T")).toThrow("expected an HTTP method like 'GET', got 'GE T'");
  });

  it("accepts only the listed words, exactly", () => {
    const handler = checkOneOf(["action", "file"]);
    expect(handler("file")).toBe("file");
    expect(() => handler("File")).toThrow("expected one of 'action', 'file', got 'File'");
  });

  it("accepts only true or false as a boolean", () => {
    expect(checkBoolean(false)).toBe(false);
    expect(() => checkBoolean("yes")).toThrow("expected true or false, got 'yes'");
  });

  it("accepts a route match of '' or a path starting with '/'", () => {
    expect(checkRouteMatch("")).toBe("");
    expect(checkRouteMatch("/ws/")).toBe("/ws/");
    expect(() => checkRouteMatch("ws/")).toThrow(/expected a URL path starting with '\/'/);
  });
});

describe("paths", () => {
  const base = resolve("/srv/app");

  it("resolves relative paths against the base folder and keeps absolute ones", () => {
    expect(checkPath("./site", base)).toBe(resolve(base, "site"));
    expect(checkPath("../shared/www", base)).toBe(resolve("/srv/shared/www"));
    expect(checkPath(resolve("/var/www"), base)).toBe(resolve("/var/www"));
  });

  it("refuses empty paths and NUL bytes", () => {
    expect(() => checkPath("", base)).toThrow("expected a path like './site', got ''");
    expect(() => checkPath("a\0b", base)).toThrow(/expected a path/);
  });

  it("accepts a plain index file name only", () => {
    expect(checkFileName("index.html")).toBe("index.html");
    for (const bad of ["", ".", "..", "a/index.html", "a\\index.html"]) {
      expect(() => checkFileName(bad)).toThrow(/expected a file name like 'index.html'/);
    }
  });

  it("keeps stdout and stderr as log destinations and resolves any other", () => {
    expect(checkLogPath("stdout", base)).toBe("stdout");
    expect(checkLogPath("stderr", base)).toBe("stderr");
    expect(checkLogPath("logs/web.log", base)).toBe(resolve(base, "logs/web.log"));
    expect(() => checkLogPath(1, base)).toThrow("expected 'stdout', 'stderr' or a file path, got 1");
  });
});
